import type { ServerResponse } from 'node:http';
import type { HostTypes } from '../../plugin.js';
import type { Swapper, SwapperEvents } from '../../swapper.js';

/** One reading of the host's memory, as the status page draws it. */
export interface HeapSample {
  /** ms since the epoch. */
  at: number;
  heapUsed: number;
  heapTotal: number;
  rss: number;
}

/** How many heap samples are kept: ten minutes at one a second. */
const KEPT = 600;

/** The swapper events after which the status has changed. */
const CHANGES: ReadonlyArray<keyof SwapperEvents> = [
  'reload:start',
  'reload:success',
  'reload:failure',
  'canary:start',
  'canary:end',
  'version:retire',
  'version:drain',
  'version:free',
  'version:stuck',
  'version:collect',
  'version:leak',
];

/**
 * The admin endpoint's `GET /events`: a server-sent event stream of `status`
 * (the snapshot, first and after every change) and `heap` (a sample every
 * `intervalMs`, and one with each status). One timer samples the heap for every open stream, and runs
 * only while one is open; the samples of the last ten minutes are kept and
 * sent to each new stream.
 */
export class EventStreams<T extends HostTypes> {
  readonly #samples: HeapSample[] = [];
  readonly #streams = new Set<ServerResponse>();
  #timer: NodeJS.Timeout | undefined;
  #pending: NodeJS.Timeout | undefined;
  readonly #changed = (): void => this.#statusSoon();

  constructor(
    private readonly swapper: Swapper<T>,
    private readonly intervalMs = 1000,
  ) {}

  open(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    if (this.#streams.size === 0) this.#start();
    this.#streams.add(res);
    res.on('close', () => this.#close(res));
    this.#sample();
    write(res, 'heap-history', this.#samples);
    write(res, 'status', this.swapper.status());
  }

  #start(): void {
    for (const event of CHANGES) this.swapper.on(event, this.#changed);
    this.#timer = setInterval(() => {
      const sample = this.#sample();
      for (const res of this.#streams) write(res, 'heap', sample);
    }, this.intervalMs);
    this.#timer.unref();
  }

  #close(res: ServerResponse): void {
    this.#streams.delete(res);
    if (this.#streams.size > 0) return;
    for (const event of CHANGES) this.swapper.off(event, this.#changed);
    clearInterval(this.#timer);
    clearTimeout(this.#pending);
    this.#timer = undefined;
    this.#pending = undefined;
  }

  // Events come in bursts (a reload retires and frees several versions): one snapshot for each burst.
  #statusSoon(): void {
    if (this.#pending !== undefined) return;
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      const status = this.swapper.status();
      const sample = this.#sample();
      for (const res of this.#streams) {
        write(res, 'status', status);
        write(res, 'heap', sample);
      }
    }, 10);
    this.#pending.unref();
  }

  #sample(): HeapSample {
    const memory = process.memoryUsage();
    const sample = { at: Date.now(), heapUsed: memory.heapUsed, heapTotal: memory.heapTotal, rss: memory.rss };
    this.#samples.push(sample);
    if (this.#samples.length > KEPT) this.#samples.shift();
    return sample;
  }
}

function write(res: ServerResponse, event: string, data: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
