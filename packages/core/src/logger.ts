/** Where the framework writes what it does. Any object with these four methods fits, `console` included. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
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
