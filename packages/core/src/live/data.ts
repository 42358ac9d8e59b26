import { ErrorCodes, HotswapError } from '../errors.js';

// Live data is a deep copy made of the core's own objects: it holds no
// function, no class and no prototype of the plugin version that wrapped it,
// so a job queued by one version does not keep that version alive, and the
// newest version's live types are used when it is unwrapped.

type Node =
  | string
  | number
  | boolean
  | bigint
  | null
  | undefined
  | { readonly t: 'o'; readonly v: Readonly<Record<string, Node>> }
  | { readonly t: 'a'; readonly v: readonly Node[] }
  | { readonly t: 'd'; readonly v: number }
  | { readonly t: 'm'; readonly v: ReadonlyArray<readonly [Node, Node]> }
  | { readonly t: 's'; readonly v: readonly Node[] }
  | { readonly t: 'l'; readonly n: string; readonly v: Readonly<Record<string, Node>> };

declare const TYPE: unique symbol;

/**
 * A value wrapped to cross from one plugin version to another (Go's
 * `live.Data`). Make it with `vault.wrap(value)`, read it back with
 * `vault.unwrap(data)`; the type parameter carries the value's type.
 */
export class LiveData<T = unknown> {
  declare readonly [TYPE]: T;
  /** @internal */
  readonly node: Node;

  /** @internal Use `vault.wrap`. */
  constructor(node: Node) {
    this.node = node;
    Object.freeze(this);
  }
}

/** A class whose instances may be wrapped: a live type. */
export type LiveClass = abstract new (...args: never[]) => object;

/**
 * Wraps `value`: primitives, plain objects, arrays, Dates, Maps, Sets and
 * instances of live types, nested in any way. `liveTypeName` says whether an
 * object's class is a live type (returning its name). Anything else — a
 * function, a symbol, an instance of another class, an accessor property, a
 * circular reference — is refused with `HOTSWAP_LIVE_DATA_UNSUPPORTED`,
 * naming the field.
 */
export function wrapLive<T>(value: T, liveTypeName: (ctor: unknown) => string | undefined): LiveData<T> {
  const path: object[] = [];
  const visit = (v: unknown, at: string): Node => {
    switch (typeof v) {
      case 'string':
      case 'number':
      case 'boolean':
      case 'bigint':
      case 'undefined':
        return v;
      case 'function':
        throw refuse(at, `a function (${(v as { name?: string }).name || 'anonymous'})`);
      case 'symbol':
        throw refuse(at, `a symbol (${String(v)})`);
    }
    if (v === null) return null;
    const object = v as object;
    if (path.includes(object)) throw refuse(at, 'a circular reference');
    path.push(object);
    try {
      if (Array.isArray(object)) return { t: 'a', v: object.map((item, i) => visit(item, `${at}[${i}]`)) };
      if (object instanceof Date) return { t: 'd', v: object.getTime() };
      if (object instanceof Map) {
        return { t: 'm', v: [...object].map(([k, item], i) => [visit(k, `${at}.<key ${i}>`), visit(item, `${at}.get(${describeKey(k)})`)] as const) };
      }
      if (object instanceof Set) return { t: 's', v: [...object].map((item, i) => visit(item, `${at}.<item ${i}>`)) };
      const proto = Object.getPrototypeOf(object) as { constructor?: unknown } | null;
      if (proto === null || proto === Object.prototype) return { t: 'o', v: fields(object, at, visit) };
      const name = liveTypeName(proto.constructor);
      if (name === undefined) {
        const ctor = (proto.constructor as { name?: string } | undefined)?.name;
        throw refuse(at, `an instance of ${ctor ? `class ${ctor}` : 'a class'}, which is not a live type (export it with the live prefix from a module of the plugin)`);
      }
      return { t: 'l', n: name, v: fields(object, at, visit) };
    } finally {
      path.pop();
    }
  };
  return new LiveData<T>(visit(value, 'value'));
}

/**
 * Unwraps live data into new objects; an instance of a live type becomes an
 * instance of `liveType(name)`, the newest version's class of that name,
 * made without running its constructor.
 */
export function unwrapLive<T>(data: LiveData<T>, liveType: (name: string) => LiveClass | undefined): T {
  if (!(data instanceof LiveData)) {
    throw new HotswapError(ErrorCodes.LIVE_DATA_UNSUPPORTED, 'unwrap() takes what wrap() returned.', { stage: 'live' });
  }
  const visit = (node: Node): unknown => {
    if (typeof node !== 'object' || node === null) return node;
    switch (node.t) {
      case 'a':
        return node.v.map(visit);
      case 'd':
        return new Date(node.v);
      case 'm':
        return new Map(node.v.map(([k, v]) => [visit(k), visit(v)]));
      case 's':
        return new Set(node.v.map(visit));
      case 'o':
        return assign({}, node.v, visit);
      case 'l': {
        const cls = liveType(node.n);
        if (cls === undefined) {
          throw new HotswapError(
            ErrorCodes.LIVE_NOT_FOUND,
            `live data holds an instance of live type "${node.n}", which no plugin of the serving generation defines.`,
            { stage: 'live', kind: 'type', name: node.n, known: [] },
          );
        }
        return assign(Object.create(cls.prototype as object) as object, node.v, visit);
      }
    }
  };
  return visit(data.node) as T;
}

function fields(object: object, at: string, visit: (v: unknown, at: string) => Node): Record<string, Node> {
  if (Object.getOwnPropertySymbols(object).length > 0) throw refuse(at, 'an object with symbol keys');
  const out: Record<string, Node> = {};
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(object))) {
    if (descriptor.get !== undefined || descriptor.set !== undefined) throw refuse(`${at}.${key}`, 'an accessor (get/set)');
    if (descriptor.enumerable !== true) continue;
    out[key] = visit(descriptor.value, `${at}.${key}`);
  }
  return out;
}

function assign(target: object, from: Readonly<Record<string, Node>>, visit: (node: Node) => unknown): object {
  for (const [key, node] of Object.entries(from)) {
    Object.defineProperty(target, key, { value: visit(node), enumerable: true, writable: true, configurable: true });
  }
  return target;
}

function describeKey(key: unknown): string {
  switch (typeof key) {
    case 'string':
      return JSON.stringify(key);
    case 'object':
    case 'function':
      return `${typeof key} key`;
    case 'symbol':
      return key.toString();
    default:
      return String(key);
  }
}

function refuse(at: string, what: string): HotswapError {
  return new HotswapError(
    ErrorCodes.LIVE_DATA_UNSUPPORTED,
    `cannot wrap ${at}: it is ${what}. Live data holds primitives, plain objects, arrays, Dates, Maps, Sets and instances of live types.`,
    { stage: 'live' },
  );
}
