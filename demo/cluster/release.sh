# Sourced by run.sh and reload.sh: releases under the release root "$bin"
# (DEMO_BIN, default bin), made by the hotswap CLI: releases/<id>/ holds one
# build and its release.json, current links to the active one.

# Builds the plugins (build stamp r<time><random>) into "$bin/build", makes a
# release of them and points current at it (a new link renamed over the
# old one).
new_release() {
  local stamp out id
  stamp="r$(date +%Y%m%d%H%M%S)$RANDOM"
  mkdir -p "$bin"
  out="$(hotswap build plugins "$bin/build" --shared '#g' --stamp "$stamp" --release "$bin" --activate)"
  id="$(sed -nE 's/.*release ([0-9]{8}T[0-9]{9}Z-[0-9a-f]{8}) .*/\1/p' <<<"$out" | head -n 1)"
  if [[ -z "$id" ]]; then
    printf '%s\n' "$out" >&2
    echo "no release was made" >&2
    return 1
  fi
  printf '%s\n' "$out"
  echo "release $id activated (build stamp $stamp)"
}
