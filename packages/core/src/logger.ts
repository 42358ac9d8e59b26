/** Where the framework writes what it does. Any object with these four methods fits, `console` included. */
export interface Logger {
  /** Detail for following what the swapper does; the default logger drops it. */
  debug(message: string): void;
  /** A reload's outcome, a version's retirement. */
  info(message: string): void;
  /** Something to look at: a leak, a call still running after maxFreeWait. */
  warn(message: string): void;
  /** A failed reload, an OnFree that threw, a listener that threw. */
  error(message: string): void;
}

/** A logger that writes nothing. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** The default logger: info and above to stderr, each line prefixed with `[hotswap]`. */
export function consoleLogger(prefix = '[hotswap]'): Logger {
  const write = (level: string, message: string): void => {
    process.stderr.write(`${prefix} ${level} ${message}\n`);
  };
  return {
    debug() {},
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}
