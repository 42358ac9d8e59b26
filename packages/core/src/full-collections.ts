import { PerformanceObserver, constants, type PerformanceObserverEntryList } from 'node:perf_hooks';

/**
 * Tells listeners each time the garbage collector finishes a full
 * (mark-sweep-compact) collection, as Node's `gc` performance entries report
 * it. One observer for the whole process, connected only while someone
 * listens: the leak check listens while versions wait for their check, so
 * that without `--expose-gc` it judges a version only after the collector
 * has had full collections of its own in which to free it.
 */
const listeners = new Set<() => void>();
let observer: PerformanceObserver | undefined;

function isFull(detail: unknown): boolean {
  return typeof detail === 'object' && detail !== null && 'kind' in detail && detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR;
}

function observed(list: PerformanceObserverEntryList): void {
  let full = 0;
  for (const entry of list.getEntries()) if ('detail' in entry && isFull(entry.detail)) full++;
  for (let i = 0; i < full; i++) for (const listener of listeners) listener();
}

/** Calls `listener` after every full collection until the returned function is called. */
export function onFullCollection(listener: () => void): () => void {
  listeners.add(listener);
  if (observer === undefined) {
    observer = new PerformanceObserver(observed);
    observer.observe({ type: 'gc' });
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && observer !== undefined) {
      observer.disconnect();
      observer = undefined;
    }
  };
}
