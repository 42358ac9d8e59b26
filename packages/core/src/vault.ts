import type { BagOf, ExtensionOf, HostTypes } from './plugin.js';

/**
 * What the plugins of one generation share with each other and with the
 * host (Go's `vault.Vault`). The extension object is made afresh for each
 * generation by the swapper's `extension` factory; the data bag is one
 * object that every generation shares.
 */
export class Vault<T extends HostTypes = HostTypes> {
  /** The host's extension object for this generation; plugins fill it in OnInit. */
  readonly extension: ExtensionOf<T>;
  /** Data shared by every generation, for the whole life of the swapper. */
  readonly bag: BagOf<T>;

  /** @internal Made by the swapper; plugins and hosts receive it. */
  constructor(extension: ExtensionOf<T>, bag: BagOf<T>) {
    this.extension = extension;
    this.bag = bag;
  }
}
