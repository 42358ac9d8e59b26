# Sourced by run.sh and reload.sh: releases under the release root "$bin"
# (DEMO_BIN, default bin): releases/<id>/ holds one build, current links to
# the active one.

# Builds the plugins into releases/<id>/ (id = the build stamp), then points
# current at it by renaming a new link over the old one.
new_release() {
  local stamp id
  stamp="r$(date +%Y%m%d%H%M%S)$RANDOM"
  mkdir -p "$bin/releases"
  hotswap build plugins "$bin/releases/$stamp" --shared '#g' --stamp "$stamp"
  id="$stamp"
  node -e 'const fs = require("node:fs"); const [root, id] = process.argv.slice(1); const tmp = `${root}/.current.${process.pid}`; fs.symlinkSync(`releases/${id}`, tmp); fs.renameSync(tmp, `${root}/current`);' "$bin" "$id"
  echo "release $id activated"
}
