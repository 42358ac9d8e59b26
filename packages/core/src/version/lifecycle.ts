/**
 * Where a version is in its life: `loading` while a reload prepares it,
 * `serving` while a generation holds it, `retiring` once it has been swapped
 * out (its calls drain), `freed` after its OnFree ran, `discarded` when the
 * reload that made it failed.
 */
export type VersionState = 'loading' | 'serving' | 'retiring' | 'freed' | 'discarded';

const MOVES: { readonly [S in VersionState]: readonly VersionState[] } = {
  loading: ['serving', 'discarded'],
  serving: ['retiring'],
  retiring: ['freed'],
  freed: [],
  discarded: [],
};

/**
 * The one owner of a version's state: the only place it is assigned. Each
 * move is checked against the state machine (loading → serving → retiring →
 * freed, or loading → discarded) and reported to the observer, which is how
 * the census and the status follow a version without being told by hand.
 * @internal
 */
export class Lifecycle {
  #state: VersionState = 'loading';
  readonly #observe: (to: VersionState) => void;

  constructor(observe: (to: VersionState) => void = () => {}) {
    this.#observe = observe;
  }

  get state(): VersionState {
    return this.#state;
  }

  /** Freed or discarded: no call may run on the version any more. */
  get ended(): boolean {
    return this.#state === 'freed' || this.#state === 'discarded';
  }

  /** Moves to `to`; a move the state machine does not allow is a bug in the framework and throws. */
  move(to: VersionState): void {
    if (!MOVES[this.#state].includes(to)) {
      throw new Error(`internal error: a version cannot move from ${this.#state} to ${to}`);
    }
    this.#state = to;
    this.#observe(to);
  }
}
