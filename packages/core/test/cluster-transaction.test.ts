// One cluster transaction on its own: the coordinator's side of the two phases, fed the workers' messages.
import { describe, expect, it } from 'vitest';
import { ErrorCodes, HotswapError, isHotswapError } from '../src/errors.js';
import { CLUSTER_TAG, type CoordinatorMessage } from '../src/cluster/messages.js';
import { ClusterTransaction } from '../src/cluster/transaction.js';

const release = { id: 'B', dir: '/releases/B' };

/** A transaction of `members`, and every message it sent, in order. */
function transaction(members: number[], commitTimeoutMs = 60_000): { txn: ClusterTransaction; sent: Array<[number, CoordinatorMessage['type']]> } {
  const sent: Array<[number, CoordinatorMessage['type']]> = [];
  const txn = new ClusterTransaction({
    txn: 7,
    release,
    members,
    rollback: false,
    deadlineMs: 60_000,
    commitTimeoutMs,
    send: (worker, message) => sent.push([worker, message.type]),
    decided: () => Promise.resolve(),
  });
  return { txn, sent };
}

const vote = (txn: ClusterTransaction, worker: number): void =>
  txn.handle(worker, { tag: CLUSTER_TAG, type: 'vote', txn: 7, ok: true, generation: 2, plugins: [] });
const committed = (txn: ClusterTransaction, worker: number): void =>
  txn.handle(worker, { tag: CLUSTER_TAG, type: 'committed', txn: 7, generation: 2, at: 1 });
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ClusterTransaction', () => {
  it('commits once every member voted yes, and resolves once every one acknowledged', async () => {
    const { txn, sent } = transaction([1, 2]);
    const run = txn.run();
    vote(txn, 1);
    vote(txn, 2);
    await tick();
    expect(sent).toEqual([[1, 'prepare'], [2, 'prepare'], [1, 'commit'], [2, 'commit']]);
    committed(txn, 1);
    committed(txn, 2);
    const result = await run;
    expect(result.workers.map((w) => [w.worker, w.outcome])).toEqual([[1, 'committed'], [2, 'committed']]);
    expect(result.release).toBe('B');
  });

  it('closed in phase 2: the commit was sent, and the reload resolves at once with the acknowledgements heard, not after commitTimeoutMs', async () => {
    // A minute to acknowledge: the test's own time limit fails it long before, should the close be ignored.
    const { txn, sent } = transaction([1, 2], 60_000);
    const run = txn.run();
    vote(txn, 1);
    vote(txn, 2);
    await tick();
    committed(txn, 1);
    txn.close(new HotswapError(ErrorCodes.CLUSTER_ROLE, 'closed'));
    const result = await run;
    expect(sent.filter(([, type]) => type === 'commit')).toEqual([[1, 'commit'], [2, 'commit']]);
    expect(result.workers.map((w) => [w.worker, w.outcome])).toEqual([[1, 'committed'], [2, 'no-answer']]);
  }, 5_000);

  it('closed in phase 1: every member is told to abort and the reload rejects with the closing error', async () => {
    const { txn, sent } = transaction([1, 2]);
    const run = txn.run();
    vote(txn, 1);
    const closing = new HotswapError(ErrorCodes.CLUSTER_ROLE, 'the coordinator is closed');
    txn.close(closing);
    const error: unknown = await run.catch((e: unknown) => e);
    expect(error).toBe(closing);
    expect(isHotswapError(error) && error.code).toBe('HOTSWAP_CLUSTER_ROLE');
    expect(sent).toEqual([[1, 'prepare'], [2, 'prepare'], [1, 'abort'], [2, 'abort']]);
  }, 5_000);
});
