import { randomUUID } from 'node:crypto';
import { onRequest } from 'firebase-functions/v2/https';
import { problemFor } from '../api/problem.js';
import { loadConfig, params } from '../config/index.js';
import { guardHostBodyParser } from './bodyParserGuard.js';
import { getDeps } from './deps.js';

guardHostBodyParser();

/**
 * The local stand-in for Cloud Storage's signed upload URLs: `PUT <functions>/localUploads/<token>`
 * with the headers LocalBlobStore.signedUploadUrl gave (adapters/blobs/localUploadHandler.ts
 * checks and stores). Not found unless BLOBS=local.
 */
export const localUploads = onRequest({ region: params.region, memory: '512MiB', timeoutSeconds: 300, invoker: 'public' }, async (req, res) => {
  const requestId = randomUUID();
  const config = loadConfig();
  if (config.blobs !== 'local') return void res.status(404).send('Not found');
  const [{ deps }, { LocalBlobStore }, { localUploadHandler }] = await Promise.all([
    getDeps(),
    import('../adapters/blobs/localBlobStore.js'),
    import('../adapters/blobs/localUploadHandler.js'),
  ]);
  if (!(deps.blobs instanceof LocalBlobStore)) return void res.status(404).send('Not found');
  // A body over the host parser's cap with a declared length is left unread (bodyParserGuard.ts):
  // the handler reads the request itself, once the URL allows it, up to the URL's own limit.
  const raw = req as unknown as { rawBody?: Buffer; bodyTooLarge?: boolean };
  const body = raw.bodyTooLarge ? req : (raw.rawBody ?? Buffer.alloc(0));
  try {
    const handle = localUploadHandler(deps.blobs, config.blobUploadSecret, () => new Date());
    const answer = await handle({ method: req.method, token: req.path.replace(/^\/+/, ''), headers: req.headers, body, requestId });
    res.status(answer.status).set(answer.headers).send(JSON.stringify(answer.body));
  } catch (err) {
    // The handler answers every refusal itself: what reaches here is a bug.
    const problem = problemFor(err, requestId);
    console.error(JSON.stringify({ severity: 'ERROR', requestId, message: 'localUploads failed', error: String((err as Error)?.stack ?? err) }));
    res.status(problem.status).set({ 'Content-Type': 'application/problem+json', 'X-Request-Id': requestId, Connection: 'close' }).send(JSON.stringify(problem.body));
  }
});
