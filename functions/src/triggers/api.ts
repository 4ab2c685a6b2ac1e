import { onRequest } from 'firebase-functions/v2/https';
import { createRouter, type Router } from '../api/router.js';
import { allRoutes } from '../api/routes/index.js';
import { clientAddress } from '../api/clientAddress.js';
import { loadConfig, memoryEmbeddingsApiKey, params, STRIPE_SECRETS } from '../config/index.js';
import { guardHostBodyParser } from './bodyParserGuard.js';
import { getDeps } from './deps.js';

guardHostBodyParser();

let router: Router | undefined;

/** The REST API (`/v1/**`), served at the function's URL and through the Hosting rewrite. */
export const api = onRequest(
  { region: params.region, memory: '512MiB', timeoutSeconds: 60, concurrency: 80, invoker: 'public', secrets: [...STRIPE_SECRETS, memoryEmbeddingsApiKey] },
  async (req, res) => {
    if (!router) {
      const { deps, verifier } = await getDeps();
      router = createRouter(allRoutes, deps, verifier);
    }
    const started = performance.now();
    const raw = req as unknown as { rawBody?: Buffer; jsonParseFailed?: boolean; bodyTooLarge?: boolean; bodyEncodingRefused?: boolean };
    const response = await router.handle({
      method: req.method,
      path: req.path,
      query: req.query as Record<string, unknown>,
      headers: req.headers,
      rawBody: raw.rawBody,
      bodyParseFailed: raw.jsonParseFailed === true,
      bodyTooLarge: raw.bodyTooLarge === true,
      bodyEncodingRefused: raw.bodyEncodingRefused === true,
      clientIp: clientAddress(req.get('x-forwarded-for'), req.socket.remoteAddress, loadConfig().clientIpHops),
    });
    // One structured line per request; Cloud Logging reads `severity` and `httpRequest`.
    console.log(
      JSON.stringify({
        severity: response.status >= 500 ? 'ERROR' : response.status >= 400 ? 'WARNING' : 'INFO',
        message: `${req.method} ${req.path} ${response.status}`,
        requestId: response.headers['X-Request-Id'],
        httpRequest: {
          requestMethod: req.method,
          requestUrl: req.path,
          status: response.status,
          latency: `${((performance.now() - started) / 1000).toFixed(3)}s`,
          userAgent: req.get('user-agent'),
        },
      }),
    );
    res.status(response.status);
    // The API answers data, never a page: nothing in an answer may load, run or be framed,
    // even if a browser is led to open one directly.
    res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    res.setHeader('X-Content-Type-Options', 'nosniff');
    for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
    if (response.stream) {
      const aborted = new AbortController();
      res.on('close', () => aborted.abort());
      res.flushHeaders();
      await response.stream((chunk) => res.write(chunk), aborted.signal).catch((err: unknown) => {
        console.error(JSON.stringify({ severity: 'ERROR', message: 'stream failed', error: String(err) }));
      });
      res.end();
      return;
    }
    if (response.bytes) {
      res.send(Buffer.from(response.bytes.buffer, response.bytes.byteOffset, response.bytes.byteLength));
      return;
    }
    if (response.body === undefined) {
      res.end();
      return;
    }
    const isProblem = response.status >= 400;
    res.setHeader('Content-Type', isProblem ? 'application/problem+json' : 'application/json; charset=utf-8');
    res.send(JSON.stringify(response.body));
  },
);
