/** A live function: whoever calls it through the vault gets the newest version's. */
export function live_wagTail(): string {
  return '~wag~';
}
