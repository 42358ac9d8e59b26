import { ARTIFACT_SUFFIX } from '../artifact.js';
import { ErrorCodes, HotswapError } from '../errors.js';
import { keyOf, type PluginKey } from '../names.js';

/** Where a set of plugins comes from, for the messages: a plugin directory, or the swapper's `staticPlugins`. */
export type PluginSource = { kind: 'dir'; dir: string } | { kind: 'static' };

/**
 * The names a whitelist allows, lower-cased, or `undefined` when every name
 * is allowed: no whitelist, or an empty one (as in Go).
 */
export function whitelistSet(whitelist: readonly string[] | undefined): ReadonlySet<PluginKey> | undefined {
  return whitelist === undefined || whitelist.length === 0 ? undefined : new Set(whitelist.map(keyOf));
}

/**
 * The items whose name the whitelist allows, compared without case, in their
 * order; all of them when there is no whitelist or an empty one.
 */
export function applyWhitelist<T>(items: readonly T[], whitelist: readonly string[] | undefined, nameOf: (item: T) => string): T[] {
  const wanted = whitelistSet(whitelist);
  return wanted === undefined ? [...items] : items.filter((item) => wanted.has(keyOf(nameOf(item))));
}

/**
 * Throws `HOTSWAP_WHITELIST_MISSING` for the first whitelisted name that is
 * not among `names` (compared without case).
 */
export function checkWhitelistFound(names: Iterable<string>, whitelist: readonly string[] | undefined, source: PluginSource): void {
  if (whitelistSet(whitelist) === undefined) return;
  const found = new Set([...names].map(keyOf));
  for (const name of new Set(whitelist)) {
    if (found.has(keyOf(name))) continue;
    const where = source.kind === 'dir' ? `${source.dir} has no artifact for it` : 'no static plugin has that name';
    throw new HotswapError(
      ErrorCodes.WHITELIST_MISSING,
      `the whitelist names plugin "${name}" but ${where}. ${source.kind === 'dir' ? 'Build it' : 'Add it to `staticPlugins`'}, or remove it from the whitelist.`,
      { plugin: name, stage: 'scan' },
    );
  }
}

/**
 * Throws `HOTSWAP_DUPLICATE_PLUGIN` for the first two items whose names are
 * equal without case. `whereOf` says where an item came from (an artifact's
 * path), for the message.
 */
export function checkDuplicates<T>(items: readonly T[], nameOf: (item: T) => string, source: PluginSource, whereOf?: (item: T) => string): void {
  const seen = new Map<PluginKey, T>();
  for (const item of items) {
    const name = nameOf(item);
    const other = seen.get(keyOf(name));
    if (other === undefined) {
      seen.set(keyOf(name), item);
      continue;
    }
    const first = nameOf(other);
    const names = first === name ? `"${name}"` : `"${first}" and "${name}"`;
    const places = whereOf === undefined ? '' : `: ${whereOf(other)} and ${whereOf(item)}`;
    const message =
      source.kind === 'dir'
        ? `two artifacts name the plugin ${names} (names are compared without case)${places}. Remove one of them.`
        : `two static plugins are named ${names} (names are compared without case)${places}. Remove or rename one of them.`;
    throw new HotswapError(ErrorCodes.DUPLICATE_PLUGIN, message, { plugin: name, stage: 'scan', names: [first, name] });
  }
}

/**
 * Throws `HOTSWAP_PLUGIN_DIR_EMPTY` when `count` is 0: a load or reload
 * cannot serve no plugin at all. `whitelisted` says the whitelist left
 * nothing, for the message.
 */
export function checkNotEmpty(count: number, source: PluginSource, whitelisted = false): void {
  if (count > 0) return;
  const allowed = whitelisted ? ' that the whitelist allows' : '';
  const message =
    source.kind === 'dir'
      ? `${source.dir} holds no plugin artifact (*${ARTIFACT_SUFFIX})${allowed}. Build plugins into it with \`hotswap build <pluginDir> ${source.dir}\`.`
      : `\`staticPlugins\` holds no plugin${allowed}: build the table with \`hotswap build <pluginDir> <outDir> --static-linking\`.`;
  throw new HotswapError(ErrorCodes.PLUGIN_DIR_EMPTY, message, { stage: 'scan' });
}
