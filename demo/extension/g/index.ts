// The extension host's shared module (plugins import it as `#g`).
export { say } from '../../kit/index.ts';

/** The host's extension object: made afresh for every generation, filled by plugins in OnInit. */
export interface CatExtension {
  meow: ((repeat: number) => void) | undefined;
}

/** The types the extension host shares with its plugins. */
export interface ExtensionTypes {
  extension: CatExtension;
}
