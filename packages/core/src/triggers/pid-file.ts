import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { describe, ErrorCodes, HotswapError } from '../errors.js';

/**
 * What a pid file written by `reloadOnSignal` says: line 1 the pid, line 2
 * this record as JSON. A file from an older host has only line 1; then
 * `startedAt` and `node` are undefined.
 */
export interface PidFileRecord {
  /** The host's process id. */
  pid: number;
  /** When the host process started, in ms since the epoch, as the operating system reports it. */
  startedAt?: number | undefined;
  /** On Linux, the process's start time in clock ticks since boot (`/proc/<pid>/stat` field 22): matched exactly. */
  startTicks?: number | undefined;
  /** The host's `process.execPath`. */
  node?: string | undefined;
  /** The host's admin endpoint, when its trigger was told it (`reloadOnSignal({ admin })`): `hotswap status --pid-file` calls it. Never the token. */
  admin?: string | undefined;
}

/** How far a process's start time may be from the pid file's `startedAt` and still be the same process. */
export const PID_START_TOLERANCE_MS = 3000;

/** The largest pid file read; a real one is about 100 bytes. */
const MAX_PID_FILE = 4096;

/**
 * Writes the pid file of this process: to a new file in the same directory
 * (created exclusively), then renamed over `path`, so no symbolic link is
 * ever followed. Refuses a `path` that is a symbolic link or a directory.
 * Throws `HOTSWAP_PID_FILE_UNWRITABLE`.
 */
export function writePidFile(path: string, extra: { admin?: string } = {}): PidFileRecord {
  const target = resolve(path);
  const fail = (why: string, cause?: unknown): HotswapError =>
    new HotswapError(ErrorCodes.PID_FILE_UNWRITABLE, `cannot write the pid file ${path}: ${why}`, { cause });
  try {
    mkdirSync(dirname(target), { recursive: true });
  } catch (error) {
    throw fail(`its directory ${dirname(target)} cannot be created (${describe(error)}). Choose a path in a directory the host may write.`, error);
  }
  const existing = lstatOrUndefined(target);
  if (existing?.isSymbolicLink() === true) {
    throw fail('it is a symbolic link, which a pid file must never be: a link could make the host overwrite another file. Remove it, or choose another path.');
  }
  if (existing !== undefined && !existing.isFile()) {
    throw fail('something other than a file is in its place (a directory?). Remove it, or choose another path.');
  }
  const record: PidFileRecord = { ...selfRecord(), ...(extra.admin === undefined ? {} : { admin: extra.admin }) };
  const text = `${record.pid}\n${JSON.stringify(record)}\n`;
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, 'wx', 0o644);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw fail(`${describe(error)}. Choose a path in a directory the host may write.`, error);
  }
  return record;
}

/** Removes the pid file at `path` if it names this process; anything else there is left alone. */
export function removePidFile(path: string): void {
  try {
    if (lstatSync(path).isFile() && readPidFile(path).pid === process.pid) rmSync(path, { force: true });
  } catch {
    // Gone already, or not ours.
  }
}

/**
 * Reads a pid file: the pid on line 1 and, from hosts of this version, the
 * record on line 2. Throws `HOTSWAP_PID_FILE_INVALID` when the file cannot
 * be read or does not hold a pid.
 */
export function readPidFile(path: string): PidFileRecord {
  let text: string;
  try {
    if (statSync(path).size > MAX_PID_FILE) throw new Error(`it is over ${MAX_PID_FILE} bytes, too large for a pid file`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new HotswapError(ErrorCodes.PID_FILE_INVALID, `cannot read a pid from ${path}: ${describe(error)}. Is the host running with reloadOnSignal({ pidFile })?`, {
      cause: error,
    });
  }
  const [first = '', second = ''] = text.split('\n');
  const invalid = (why: string): HotswapError => new HotswapError(ErrorCodes.PID_FILE_INVALID, `${path} is not a pid file: ${why}. Restart the host to write it again.`);
  if (!/^\d{1,10}$/.test(first.trim())) throw invalid(`its first line is ${JSON.stringify(first.slice(0, 20))}, not a pid`);
  const pid = Number(first.trim());
  if (second.trim() === '') return { pid };
  let parsed: unknown;
  try {
    parsed = JSON.parse(second);
  } catch {
    throw invalid(`its second line is not JSON: ${JSON.stringify(second.slice(0, 40))}`);
  }
  const record = parsed as Partial<Record<keyof PidFileRecord, unknown>> | null;
  if (typeof record !== 'object' || record === null || record.pid !== pid) throw invalid(`its second line does not name pid ${pid}`);
  const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  const admin = typeof record.admin === 'string' && /^https?:\/\//.test(record.admin) ? record.admin : undefined;
  return {
    pid,
    startedAt: number(record.startedAt),
    startTicks: number(record.startTicks),
    node: typeof record.node === 'string' ? record.node : undefined,
    ...(admin === undefined ? {} : { admin }),
  };
}

/** What {@link checkPidFile} found: the pid to signal, and whether its start time could be checked. */
export interface PidFileCheck {
  /** The host's pid: greater than 1, not the caller, its process group or its parent, alive, and started when the file says. */
  pid: number;
  /** False for a one-line pid file from an older host: only the pid's liveness was checked. */
  verified: boolean;
  /** The record the file holds. */
  record: PidFileRecord;
}

/**
 * Reads a pid file and checks that signalling its pid is safe: the pid is
 * above 1 (0 and negative pids would signal whole process groups), is not
 * the calling process, its process group or its parent, names a running
 * process, and that process started when the file says (pids are reused).
 * Throws `HOTSWAP_PID_FILE_INVALID` or `HOTSWAP_PID_FILE_STALE`.
 */
export function checkPidFile(path: string): PidFileCheck {
  const record = readPidFile(path);
  const { pid } = record;
  const refuse = (why: string): HotswapError => new HotswapError(ErrorCodes.PID_FILE_INVALID, `refusing to signal pid ${pid} from ${path}: ${why}`);
  if (pid <= 1) throw refuse(`a pid of ${pid} is never a host (0 would signal every process of the group, 1 is init). Restart the host to write the file again.`);
  if (pid === process.pid) throw refuse('it is this very process.');
  if (pid === process.ppid) throw refuse('it is the parent of this process (the shell that runs it?). Restart the host to write the file again.');
  const group = processGroup(process.pid);
  if (group !== undefined && pid === group) throw refuse('it leads the process group of this process (the shell that runs it?). Restart the host to write the file again.');
  try {
    process.kill(pid, 0);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') {
      throw new HotswapError(ErrorCodes.PID_FILE_STALE, `${path} names pid ${pid}, but no such process runs: the host has exited. Start it again.`);
    }
    if (code !== 'EPERM') throw refuse(describe(error));
    // EPERM: it runs under another user; the signal itself will say so.
  }
  if (record.startedAt === undefined) return { pid, verified: false, record };
  const actual = startOf(pid);
  if (actual === undefined) return { pid, verified: false, record };
  const same =
    record.startTicks !== undefined && actual.ticks !== undefined
      ? record.startTicks === actual.ticks
      : Math.abs(actual.at - record.startedAt) <= PID_START_TOLERANCE_MS;
  if (!same) {
    throw new HotswapError(
      ErrorCodes.PID_FILE_STALE,
      `${path} names pid ${pid}, started at ${new Date(record.startedAt).toISOString()}, but the process with that pid started at ` +
        `${new Date(actual.at).toISOString()}: the host has exited and its pid was reused. Start the host again.`,
    );
  }
  return { pid, verified: true, record };
}

/** This process's record. */
function selfRecord(): PidFileRecord {
  const own = startOf(process.pid);
  return {
    pid: process.pid,
    startedAt: own?.at ?? Math.round(Date.now() - process.uptime() * 1000),
    ...(own?.ticks === undefined ? {} : { startTicks: own.ticks }),
    node: process.execPath,
  };
}

/** When process `pid` started: from /proc on Linux, from `ps` elsewhere; undefined when it cannot be told. */
function startOf(pid: number): { at: number; ticks?: number } | undefined {
  if (process.platform === 'linux') {
    const ticks = procStat(pid)?.[19];
    const btime = /^btime (\d+)$/m.exec(readOrEmpty('/proc/stat'))?.[1];
    if (ticks !== undefined && btime !== undefined && /^\d+$/.test(ticks)) {
      return { at: Number(btime) * 1000 + Math.round((Number(ticks) * 1000) / clockTicks()), ticks: Number(ticks) };
    }
  }
  const elapsed = psField(pid, 'etimes') ?? psField(pid, 'etime');
  const seconds = elapsed === undefined ? undefined : parseElapsed(elapsed);
  return seconds === undefined ? undefined : { at: Date.now() - seconds * 1000 };
}

/** The process group of `pid`, or undefined when it cannot be told. */
function processGroup(pid: number): number | undefined {
  const field = process.platform === 'linux' ? procStat(pid)?.[2] : psField(pid, 'pgid');
  return field !== undefined && /^\d+$/.test(field) ? Number(field) : undefined;
}

/** The fields of `/proc/<pid>/stat` after the command name: index 0 is field 3 (state), so field n is index n - 3. */
function procStat(pid: number): string[] | undefined {
  const text = readOrEmpty(`/proc/${pid}/stat`);
  const end = text.lastIndexOf(')');
  return end < 0 ? undefined : text.slice(end + 2).trim().split(/\s+/);
}

let ticksPerSecond: number | undefined;
/** `getconf CLK_TCK`, 100 when it cannot be run. */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const value = Number(run('getconf', ['CLK_TCK']));
    ticksPerSecond = Number.isInteger(value) && value > 0 ? value : 100;
  }
  return ticksPerSecond;
}

function psField(pid: number, field: string): string | undefined {
  const value = run('ps', ['-o', `${field}=`, '-p', String(pid)]);
  return value === undefined || value === '' ? undefined : value;
}

/** Seconds from `ps -o etimes` (`123`) or `ps -o etime` (`[[dd-]hh:]mm:ss`). */
function parseElapsed(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const match = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(text);
  if (match === null) return undefined;
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  return ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds);
}

function run(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return undefined;
  }
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
