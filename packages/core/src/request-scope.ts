import type { ServerResponse } from 'node:http';
import type { Generation } from './generation.js';
import type { Contract } from './plugin.js';

/**
 * Holds `generation` (see `generation.hold()`) until `res` is sent or its
 * connection closes, whichever comes first: on success, on an error
 * response, when the client goes away and when a server timeout destroys the
 * socket. Returns the release, which may also be called early (once counts;
 * more calls do nothing). The framework integrations call this at the start
 * of every application request; a `node:http` host can too. Not for the
 * admin endpoint's requests: they call no plugin, and an open `GET /events`
 * stream would keep the version a reload replaces retiring.
 *
 * @example
 * const generation = swapper.current;
 * holdForResponse(generation, res);
 * res.end(await generation.invoke('routes', 'render', req.url ?? '/'));
 */
export function holdForResponse<T extends Contract>(generation: Generation<T>, res: ServerResponse): () => void {
  const release = generation.hold();
  let released = false;
  const done = (): void => {
    if (released) return;
    released = true;
    res.off('finish', done);
    res.off('close', done);
    release();
  };
  if (res.writableFinished || res.destroyed) {
    done();
    return done;
  }
  res.once('finish', done);
  res.once('close', done);
  return done;
}
