// What a call into a version is made of: each function of a version is bound
// once (a `Binding`), and every call path (handles, `generation.invoke`, live
// functions) calls `binding.target` with its arguments written out, so that
// no call allocates. A synchronous call runs to completion before any swap
// can happen, so only a call that returns a promise is counted in flight,
// until it settles (`PluginVersion.track`).
import { mapErrorStack } from '../loader/source-map.js';
import type { PluginVersion } from './version.js';

/** A function of a plugin, as the framework calls it. */
export type Callable = (...args: unknown[]) => unknown;

/**
 * One function of one version, bound once: call `target` (with no `this`)
 * to reach it. When the version is freed or discarded, `target` is replaced
 * by a function that throws HOTSWAP_VERSION_FREED, so a call path kept past
 * the version's end needs no check of its own.
 * @internal
 */
export class Binding {
  target: Callable;
  readonly version: PluginVersion;
  /** The name the caller asked for, for errors. */
  readonly fn: string;

  constructor(target: Callable, version: PluginVersion, fn: string) {
    this.target = target;
    this.version = version;
    this.fn = fn;
  }
}

// A function whose source names none of these cannot observe its `this`, so
// it is called as it is; any other is bound to its `this` once. A plain call
// of an unbound function is what V8 inlines into the caller.
const THIS_WORDS = /\b(?:this|super|eval)\b/;
const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;

/** `fn` ready to be called with no `this`: itself when it never reads `this`, else bound to `self`. */
export function withThis(fn: Callable, self: unknown): Callable {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return fn.bind(self);
  }
  return NATIVE.test(source) || THIS_WORDS.test(source) ? fn.bind(self) : fn;
}

/** What every object inherits: never a plugin's function, whatever name a caller passes (`toString`, `constructor`...). */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Function `name` of a plugin's table: an own property, or one its class
 * gives it, but never what every object inherits, so a name read from a
 * request cannot reach `valueOf` or `__defineGetter__`.
 */
export function functionOf(table: Record<string, Callable> | undefined, name: string): Callable | undefined {
  if (table === undefined) return undefined;
  if (Object.hasOwn(table, name)) return table[name];
  return INHERITED.has(name) ? undefined : table[name];
}

/** Whether a call's result is a promise or another thenable, to be counted in flight until it settles. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return ((typeof value === 'object' && value !== null) || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * The result of a call whose value is an object or a function: counted in
 * flight until it settles when it is a thenable, else returned as it is.
 * The paths test `typeof` themselves before calling it, so a call that
 * returns a primitive (which optimized code often knows) skips it, and the
 * load of the imported function with it.
 */
export function settled(binding: Binding, result: object): unknown {
  return isThenable(result) ? binding.version.track(result) : result;
}

/** A plugin's own error, its stack mapped to the plugin's source, to rethrow unchanged otherwise. */
export function mapped(error: unknown): unknown {
  mapErrorStack(error);
  return error;
}

/** The arguments of a call path from `skip` on, as an array: only for a call with more arguments than the paths take as parameters. */
export function argsFrom(args: IArguments, skip: number): unknown[] {
  const out: unknown[] = [];
  for (let i = skip; i < args.length; i++) out.push(args[i]);
  return out;
}

/**
 * Calls `binding` with the arguments in `params`: the path of
 * `version.invoke` and `invokeEach`, and of calls with more arguments than
 * the other paths write out. Counts an async result in flight like every path.
 */
export function callWith(binding: Binding, params: unknown[]): unknown {
  const target = binding.target;
  let result: unknown;
  try {
    // Written out as on the other paths: inlined into its caller, the array then never escapes.
    switch (params.length) {
      case 0: result = target(); break;
      case 1: result = target(params[0]); break;
      case 2: result = target(params[0], params[1]); break;
      case 3: result = target(params[0], params[1], params[2]); break;
      case 4: result = target(params[0], params[1], params[2], params[3]); break;
      default: result = Reflect.apply(target, undefined, params);
    }
  } catch (error) {
    throw mapped(error);
  }
  return (typeof result === 'object' && result !== null) || typeof result === 'function' ? settled(binding, result) : result;
}

/** The function a live function's callers get: calls `binding`, its arguments written out. */
export function liveCall(binding: Binding): (...params: never[]) => unknown {
  return (...params: unknown[]): unknown => {
    const target = binding.target;
    let result: unknown;
    try {
      // The arguments written out of `params`, which then never escapes: optimized code makes no array for it.
      switch (params.length) {
        case 0: result = target(); break;
        case 1: result = target(params[0]); break;
        case 2: result = target(params[0], params[1]); break;
        case 3: result = target(params[0], params[1], params[2]); break;
        case 4: result = target(params[0], params[1], params[2], params[3]); break;
        default: return callWith(binding, params);
      }
    } catch (error) {
      throw mapped(error);
    }
    return (typeof result === 'object' && result !== null) || typeof result === 'function' ? settled(binding, result) : result;
  };
}
