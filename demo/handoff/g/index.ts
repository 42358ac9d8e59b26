// The handoff host's shared module (plugins import it by the name `#g`).
export { say } from '../../kit/index.ts';

/** What every version of the sessions plugin offers, whatever the shape of its state. */
export interface SessionFunctions {
  /** Records a visit by user `id` (display name `name`). */
  visit(id: string, name: string): void;
  /** One line describing the store: its version, shape and contents. */
  summary(): string;
  /** Visits recorded in all. */
  total(): number;
}

/** The contract of the handoff host and its plugin. */
export interface HandoffContract {
  plugins: { sessions: { functions: SessionFunctions } };
}
