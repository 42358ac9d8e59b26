import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { types } from 'node:util';
import { isPlainError, ownValue } from '../errors.js';
import { runBounded } from './bounded.js';

// Node does not apply source maps to code compiled with vm.compileFunction,
// even under --enable-source-maps, so stacks that pass through the framework
// are mapped here. Each version registers its bundle under a unique file name
// and unregisters it when it is freed, so a map lives exactly as long as the
// version it belongs to.

interface Entry {
  code: string;
  artifactDir: string;
  map?: SourceMap | null;
}

const entries = new Map<string, Entry>();
let sequence = 0;

const FRAME = /([^\s()]+\?hotswap=\d+):(\d+):(\d+)/g;
const MAPPED = Symbol.for('hotswap.stackMapped');

/**
 * Registers a bundle's inline source map and returns the unique file name to
 * compile the bundle under, and a function that forgets the map again.
 */
export function registerSourceMap(artifactPath: string, code: string): { filename: string; release: () => void } {
  const filename = `${artifactPath}?hotswap=${++sequence}`;
  entries.set(filename, { code, artifactDir: dirname(artifactPath) });
  return { filename, release: () => entries.delete(filename) };
}

/**
 * A bundle's map for every version that runs one compiled bundle: each
 * version `acquire`s it and releases it once (a second release does
 * nothing); the map is registered while at least one holds it.
 */
export function sharedSourceMap(artifactPath: string, code: string): { filename: string; acquire: () => () => void } {
  const filename = `${artifactPath}?hotswap=${++sequence}`;
  const artifactDir = dirname(artifactPath);
  let users = 0;
  return {
    filename,
    acquire: () => {
      if (users++ === 0) entries.set(filename, { code, artifactDir });
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        if (--users === 0) entries.delete(filename);
      };
    },
  };
}

/** A place in a plugin's source. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** Maps one position in a registered bundle (1-based line and column) to the plugin's source. */
export function originalPosition(filename: string, line: number, column: number): SourcePosition | undefined {
  const entry = entries.get(filename);
  if (entry === undefined) return undefined;
  if (entry.map === undefined) entry.map = parse(entry.code);
  if (entry.map === null) return undefined;
  const found = entry.map.findEntry(line - 1, column - 1) as Partial<{
    originalSource: string;
    originalLine: number;
    originalColumn: number;
  }>;
  if (found.originalSource === undefined || found.originalLine === undefined || found.originalColumn === undefined) {
    return undefined;
  }
  const source = found.originalSource.replace(/^file:\/\//, '');
  return {
    file: isAbsolute(source) ? source : resolve(entry.artifactDir, source),
    line: found.originalLine + 1,
    column: found.originalColumn + 1,
  };
}

/** Rewrites every frame of a stack that points into a registered bundle so it points at the plugin's source. */
export function mapStack(stack: string): string {
  return stack.replace(FRAME, (whole, filename: string, line: string, column: string) => {
    const position = originalPosition(filename, Number(line), Number(column));
    return position === undefined ? whole : `${position.file}:${position.line}:${position.column}`;
  });
}

/**
 * Maps the stack of an error thrown by plugin code, and of its causes, in
 * place, and returns the first plugin source position found in it.
 */
export function mapErrorStack(error: unknown): SourcePosition | undefined {
  try {
    // V8 formats a stack when it is first read, and formatting may run plugin code (getters of the message and
    // the name, Error.prepareStackTrace): then within a time limit, so a loop there cannot hang the host.
    return formatsWithoutCode(error) ? mapChain(error) : runBounded(() => mapChain(error), MAP_LIMIT_MS);
  } catch {
    // A hostile value (a Proxy, a throwing or endless getter) keeps its stack as it is.
    return undefined;
  }
}

/** How long reading and mapping one error's stack may take. */
const MAP_LIMIT_MS = 100;

/**
 * Whether formatting the stacks of `error` and its causes runs no
 * JavaScript: no `Error.prepareStackTrace`, and a name and a message that
 * are plain values all along their prototype chains. The common case, a
 * plugin's call that throws an Error, then costs no bounded run.
 */
function formatsWithoutCode(error: unknown): boolean {
  if (Object.getOwnPropertyDescriptor(Error, 'prepareStackTrace')?.value !== undefined || hasAccessor(Error, 'prepareStackTrace')) return false;
  for (let e = error, depth = 0; isPlainError(e) && depth < 8; e = ownValue(e, 'cause'), depth++) {
    if (!isPlainProperty(e, 'name') || !isPlainProperty(e, 'message')) return false;
  }
  return true;
}

function hasAccessor(target: object, key: string): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  return descriptor !== undefined && !('value' in descriptor);
}

/** Whether reading `key` of `target` reaches a data property (or none) through no getter and no proxy. */
function isPlainProperty(target: object, key: string): boolean {
  for (let at: object | null = target; at !== null; at = Object.getPrototypeOf(at) as object | null) {
    if (types.isProxy(at)) return false;
    const descriptor = Object.getOwnPropertyDescriptor(at, key);
    if (descriptor !== undefined) return 'value' in descriptor;
  }
  return true;
}

// Reads only own data properties of real errors: no getter or trap of the plugin's is called (though V8's
// formatting of a stack on its first read may run plugin code, hence the bound above).
function mapChain(error: unknown): SourcePosition | undefined {
  let first: SourcePosition | undefined;
  for (let e = error, depth = 0; isPlainError(e) && depth < 8; e = ownValue(e, 'cause'), depth++) {
    const done = ownValue(e, MAPPED) as SourcePosition | null | undefined;
    if (done !== undefined) {
      first ??= done ?? undefined;
      continue;
    }
    const stack = ownValue(e, 'stack');
    if (typeof stack !== 'string') continue;
    FRAME.lastIndex = 0;
    const match = FRAME.exec(stack);
    const position = match === null ? undefined : originalPosition(match[1]!, Number(match[2]), Number(match[3]));
    first ??= position;
    try {
      Object.defineProperty(e, 'stack', { value: mapStack(stack) });
      Object.defineProperty(e, MAPPED, { value: position ?? null });
    } catch {
      // A frozen error keeps its stack as it is.
    }
  }
  return first;
}

function parse(code: string): SourceMap | null {
  const marker = '//# sourceMappingURL=data:application/json;charset=utf-8;base64,';
  const at = code.lastIndexOf(marker);
  if (at < 0) return null;
  try {
    const end = code.indexOf('\n', at);
    const json = Buffer.from(code.slice(at + marker.length, end < 0 ? undefined : end).trim(), 'base64').toString('utf8');
    return new SourceMap(JSON.parse(json) as SourceMapPayload);
  } catch {
    return null;
  }
}

/** How many bundles have a registered map (for tests: maps must go with their versions). */
export function registeredSourceMaps(): number {
  return entries.size;
}
