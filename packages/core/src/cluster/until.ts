/**
 * A wait on a condition over the messages of a cluster step: `until(done,
 * ms)` resolves once `done()` holds, checked now and at every `check()` (the
 * step calls it after each message and each worker exit), or after `ms`.
 * One wait at a time.
 */
export class Until {
  #wake: (() => void) | undefined;

  /** Checks the condition of the wait under way, if any. */
  check(): void {
    this.#wake?.();
  }

  until(done: () => boolean, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.#wake = () => {
        if (done()) finish();
      };
    });
  }
}
