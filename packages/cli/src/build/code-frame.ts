import * as esbuild from 'esbuild';
import { BuildError, BuildErrorCodes, type SourceLocation } from '../errors.js';
import type { PluginSource } from './discover.js';

/**
 * The `HOTSWAP_BUILD_FAILED` error for a plugin that esbuild could not read
 * or bundle: the first message with its place, every location, and esbuild's
 * own report with code frames.
 */
export async function bundleError(source: PluginSource, error: unknown): Promise<BuildError> {
  const errors = messagesOf(error);
  if (errors.length === 0) {
    return new BuildError(BuildErrorCodes.BUNDLE_FAILED, `plugin "${source.name}" failed to bundle: ${String(error)}`, {
      plugin: source.name,
      cause: error,
    });
  }
  // esbuild's own hint for a package it cannot find ("mark the path as external") names a flag hotswap refuses:
  // say what does work instead.
  for (const e of errors) {
    if (/^Could not resolve "[^"]+"$/.test(e.text)) e.notes = [...e.notes.filter((n) => !/as external/.test(n.text)), { text: unresolvedHint(e.text), location: null }];
  }
  const formatted = (await esbuild.formatMessages(errors, { kind: 'error', color: false })).join('');
  const locations: SourceLocation[] = errors.flatMap((e) =>
    e.location === null
      ? []
      : [{ file: e.location.file, line: e.location.line, column: e.location.column + 1, lineText: e.location.lineText }],
  );
  const first = errors[0]!;
  const where = first.location === null ? '' : `${first.location.file}:${first.location.line}:${first.location.column + 1}: `;
  const hint = /^Could not resolve "[^"]+"$/.test(first.text) ? ` ${unresolvedHint(first.text)}` : '';
  return new BuildError(
    BuildErrorCodes.BUNDLE_FAILED,
    `plugin "${source.name}" failed to build: ${where}${first.text}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}.${hint}`,
    { plugin: source.name, cause: error, locations, formatted },
  );
}

/** The messages of an esbuild failure; none for any other error. */
function messagesOf(error: unknown): esbuild.Message[] {
  if (typeof error !== 'object' || error === null || !('errors' in error)) return [];
  const { errors } = error;
  return Array.isArray(errors) ? (errors as esbuild.Message[]) : [];
}

/** What to do about an import esbuild could not resolve. */
function unresolvedHint(text: string): string {
  const specifier = /^Could not resolve "([^"]+)"$/.exec(text)?.[1] ?? '';
  return specifier.startsWith('.') || specifier.startsWith('/')
    ? 'Check the path: it names no file of the plugin.'
    : `Install "${specifier}" where the plugin can find it (npm install ${specifier}) to bundle it, or, if the host provides it, pass it to --shared and give it in the swapper's shared modules.`;
}
