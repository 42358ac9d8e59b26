// Headless Chromium from the npm package @sparticuz/chromium (the binary
// ships inside it) driven by puppeteer-core: nothing is downloaded.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser } from 'puppeteer-core';

/**
 * Launches headless Chromium. The package unpacks its binary into the
 * temporary directory and reuses what it finds there, so each version gets
 * a directory of its own: another version's files are never mixed in.
 */
export async function launchBrowser(): Promise<Browser> {
  const manifest = join(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..', '..', 'package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  const dir = join(tmpdir(), `hotswap-chromium-${version}`);
  mkdirSync(dir, { recursive: true });
  const saved = process.env['TMPDIR'];
  process.env['TMPDIR'] = dir;
  let executablePath: string;
  try {
    executablePath = await chromium.executablePath();
  } finally {
    if (saved === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = saved;
  }
  return puppeteer.launch({ executablePath, args: chromium.args, headless: 'shell', pipe: true });
}
