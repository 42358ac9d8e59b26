/**
 * Runs tasks one at a time, in the order they were asked for: a reload asked
 * for while another runs waits for it. A failed task does not stop the queue.
 * @internal
 */
export class TaskQueue {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task queued before it; `gate` runs first and may refuse by throwing. */
  push<R>(task: () => R | Promise<R>, gate: () => void): Promise<R> {
    const run = this.#tail.then(() => {
      gate();
      return task();
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
