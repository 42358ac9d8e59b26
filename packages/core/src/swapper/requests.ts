import type { ReloadDetails } from '../reload/details.js';

/** What one trigger event asks of the reload it requests (`swapper.requestReload()`). */
export interface ReloadRequest {
  /** Ask for an explicit rollback: the reload runs as `swapper.reload({ rollback: true })`. */
  rollback?: boolean;
}

interface Waiting {
  /** Set by every request that joins; read once, as the reload starts. */
  asked: { rollback: boolean };
  result: Promise<ReloadDetails>;
}

/**
 * Reload requests with backpressure: requested reloads run one after
 * another, and at most one waits behind the one running. A request made
 * while none waits queues one; a request made while one waits joins it and
 * gets the same promise. A requested reload starts (calls `reload()`) after
 * every request it answers was made, so it reads every artifact written
 * before them; if any joined request asked for a rollback, it is a rollback.
 * @internal
 */
export class ReloadRequests {
  #waiting: Waiting | undefined;
  /** Settles when the last requested reload has. */
  #tail: Promise<unknown> = Promise.resolve();
  readonly #reload: (rollback: boolean) => Promise<ReloadDetails>;

  constructor(reload: (rollback: boolean) => Promise<ReloadDetails>) {
    this.#reload = reload;
  }

  request(request: ReloadRequest): Promise<ReloadDetails> {
    const rollback = request.rollback === true;
    const joined = this.#waiting;
    if (joined !== undefined) {
      joined.asked.rollback ||= rollback;
      return joined.result;
    }
    const asked = { rollback };
    // Always at least a microtask later, so the requests of one turn of the event loop share it.
    const result = this.#tail.then(() => {
      // From here on it has started: a later request must not share it, since it could miss that request's artifacts.
      if (this.#waiting?.asked === asked) this.#waiting = undefined;
      return this.#reload(asked.rollback);
    });
    this.#waiting = { asked, result };
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
