// The extension host's shared module (plugins import it by the name `#g`).
export { say } from '../../kit/index.ts';

/** The host's extension object: made afresh for every generation, filled by plugins in OnInit. */
export interface CatExtension {
  meow: ((repeat: number) => void) | undefined;
}

/** The contract of the extension host and its plugins. */
export interface ExtensionContract {
  extension: CatExtension;
  plugins: { cat: {} };
}
