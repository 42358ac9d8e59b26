// Runs the hotswap command line in-process and captures what it prints.
import { PassThrough } from 'node:stream';
import { main } from '@hotswap/cli';

export async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d: Buffer) => (o += d.toString()));
  err.on('data', (d: Buffer) => (e += d.toString()));
  const code = await main(argv, { out, err });
  return { code, out: o, err: e };
}
