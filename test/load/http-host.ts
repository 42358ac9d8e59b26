// A host whose HTTP handler is a plugin, reloaded every `--reload-every` ms
// while a load generator drives it. Prints `listening <port>`; on SIGTERM it
// stops reloading, closes the swapper, waits for every retired version to be
// collected, and prints one JSON line of counts. Run with --expose-gc.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { decodeArtifact, encodeArtifact, Swapper } from '@hotswap/core';

const [pluginDir = '', reloadEvery = '0'] = process.argv.slice(2);
const artifactPath = join(pluginDir, 'handler.hotswap.js');
const artifact = decodeArtifact(readFileSync(artifactPath, 'utf8'), artifactPath);
const { hash: _hash, format: _format, ...manifest } = artifact.manifest;

const swapper = new Swapper({ pluginDir, logger: false, freeDelay: 0, leakTimeout: false });
const counts = { reloads: 0, failedReloads: 0, loaded: 0, freed: 0, collected: 0 };
swapper.on('version:load', () => counts.loaded++);
swapper.on('version:free', () => counts.freed++);
swapper.on('version:collect', () => counts.collected++);
await swapper.load(undefined);

const server = createServer((req, res) => {
  // One request, one generation: both calls go to the same version even if a swap happens in between.
  // Held until the response is sent, so its versions are not freed in between.
  const generation = swapper.current;
  const release = generation.hold();
  const version = generation.invoke('handler', 'version') as string;
  (generation.invoke('handler', 'handle', req.url ?? '/') as Promise<string>).then(
    (body) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-version': version });
      res.end(body);
    },
    (error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    },
  ).finally(release);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
});

let stamp = 0;
let reloading = false;
const timer =
  Number(reloadEvery) > 0
    ? setInterval(() => {
        if (reloading) return;
        reloading = true;
        writeFileSync(artifactPath, encodeArtifact({ ...manifest, buildStamp: `load-${++stamp}` }, artifact.code).text);
        swapper.reload().then(
          () => counts.reloads++,
          () => counts.failedReloads++,
        ).finally(() => (reloading = false));
      }, Number(reloadEvery))
    : undefined;

process.once('SIGTERM', () => {
  clearInterval(timer);
  server.close();
  server.closeAllConnections();
  void (async () => {
    while (reloading) await new Promise((r) => setTimeout(r, 5));
    await swapper.close();
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let i = 0; i < 200 && counts.collected < counts.freed; i++) {
      gc?.();
      await new Promise((r) => setTimeout(r, 10));
    }
    process.stdout.write(`${JSON.stringify(counts)}\n`);
    process.exit(0);
  })();
});
