/**
 * Plugin names are compared without case everywhere (`Alpha` and `alpha` are
 * one plugin). A {@link PluginKey} is a name folded once, so a map keyed by
 * it cannot be read with an unfolded name by mistake.
 */
export type PluginKey = string & { readonly __pluginKey: unique symbol };

/** The key of a plugin name: the name without case. */
export function keyOf(name: string): PluginKey {
  return name.toLowerCase() as PluginKey;
}

/** Orders plugin names case-insensitively, then by code point, so the order never depends on the file system. */
export function compareNames(a: string, b: string): number {
  const x = keyOf(a);
  const y = keyOf(b);
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
