#!/usr/bin/env node
import { main } from '../dist/main.js';

// A reader that stops early (`hotswap help | head -1`) closes the pipe: what is left to print has nowhere to
// go, which is not the command's failure. Node would otherwise throw EPIPE as an unhandled 'error' event.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
