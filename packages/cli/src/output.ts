import pc from 'picocolors';

/** Colours for one stream: on when it is a terminal and NO_COLOR is unset, or when FORCE_COLOR is set. */
export function paint(stream: NodeJS.WritableStream): ReturnType<typeof pc.createColors> {
  const tty = (stream as { isTTY?: boolean }).isTTY === true;
  const env = process.env;
  const on = env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0' ? true : tty && env['NO_COLOR'] === undefined;
  return pc.createColors(on);
}

/** Where a command writes, with colours fitted to each stream. */
export interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Colours for `out`. */
  color: ReturnType<typeof pc.createColors>;
  /** Colours for `err`. */
  ecolor: ReturnType<typeof pc.createColors>;
}
