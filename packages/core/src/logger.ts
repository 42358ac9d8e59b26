/**
 * The facts a log line carries besides its message, each where it applies:
 * which plugin, which version and build, which generation, which stage; and
 * others by name (`code` of an error, `plugins` of a reload).
 */
export interface LogFields {
  /** The plugin the line is about. */
  plugin?: string;
  /** Its version (package.json's `version`). */
  version?: string;
  /** Its build stamp. */
  build?: string;
  /** The generation the line is about: the new one for a reload, the serving one for a failed reload. */
  generation?: number;
  /** The stage: a hook (`onFree`), a reload step (`evaluate`), or `reload`, `retire`, `leak`, `listener`. */
  stage?: string;
  /** Anything else the line says as data. */
  [field: string]: unknown;
}

/**
 * Where the framework writes what it does, in pino's shape: each method
 * takes the line's fields, then its message. A pino logger (`fastify.log`
 * included) and `console` fit as they are.
 */
export interface Logger {
  /** Detail for following what the swapper does; the default logger drops it. */
  debug(fields: LogFields, message: string): void;
  /** A reload's outcome. */
  info(fields: LogFields, message: string): void;
  /** Something to look at: a leak, a call still running after maxFreeWait. */
  warn(fields: LogFields, message: string): void;
  /** A failed reload, an OnFree that threw, a listener that threw. */
  error(fields: LogFields, message: string): void;
}

/** One method of {@link PluginLogger}: a message, or fields then a message. */
export interface PluginLogMethod {
  (message: string): void;
  (fields: LogFields, message: string): void;
}

/**
 * The logger a plugin gets as `ctx.log`: the swapper's own, with the
 * plugin's name, version and build on every line it writes.
 */
export interface PluginLogger {
  debug: PluginLogMethod;
  info: PluginLogMethod;
  warn: PluginLogMethod;
  error: PluginLogMethod;
}

/** The levels of the built-in logger, most verbose first; `silent` writes nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** Whether `value` is one of the log levels. @internal */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LEVELS as readonly string[]).includes(value);
}

/** A logger that writes nothing. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/**
 * The built-in logger: one line per call on stderr, `level` and above
 * (default `info`), each prefixed with `prefix`, then the message, then
 * the fields plugin, version, build, generation, stage and code as
 * `key=value`.
 *
 * @example
 * // [hotswap] info generation 2 serving: greeter@1.1.0 loaded generation=2 stage=reload
 * consoleLogger('[hotswap]', 'debug');
 */
export function consoleLogger(prefix = '[hotswap]', level: LogLevel = 'info'): Logger {
  const threshold = LEVELS.indexOf(level);
  const method =
    (name: Exclude<LogLevel, 'silent'>) =>
    (fields: LogFields, message: string): void => {
      if (LEVELS.indexOf(name) < threshold) return;
      process.stderr.write(`${prefix} ${name} ${message}${formatFields(fields)}\n`);
    };
  return { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') };
}

/** The fields the built-in logger writes after the message; the rest are for loggers that keep structure. */
const SHOWN = ['plugin', 'version', 'build', 'generation', 'stage', 'code'] as const;

/** ` key=value` for each shown field with a value; a value with spaces or quotes is JSON-quoted. */
function formatFields(fields: LogFields): string {
  let text = '';
  for (const key of SHOWN) {
    const value = fields[key];
    if (value === undefined) continue;
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    text += ` ${key}=${/^[^\s"=]+$/.test(shown) ? shown : JSON.stringify(shown)}`;
  }
  return text;
}

/** `host` with `fields` on every line: what a plugin gets as `ctx.log`. @internal */
export function pluginLogger(host: Logger, fields: Readonly<LogFields>): PluginLogger {
  const method = (name: keyof Logger): PluginLogMethod => {
    function log(message: string): void;
    function log(own: LogFields, message: string): void;
    function log(first: LogFields | string, message?: string): void {
      // The version's own fields win: a plugin cannot log as another.
      if (typeof first === 'string') host[name]({ ...fields }, first);
      else host[name]({ ...first, ...fields }, message ?? '');
    }
    return log;
  };
  return { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') };
}

/** The fields that name one version: plugin, version, build. @internal */
export function fieldsOf(version: { readonly name: string; readonly version: string; readonly buildStamp: string }): LogFields {
  return { plugin: version.name, version: version.version, build: version.buildStamp };
}
