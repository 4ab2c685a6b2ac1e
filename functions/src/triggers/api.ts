import { onRequest } from 'firebase-functions/v2/https';
import { createRouter, type Router } from '../api/router.js';
import { allRoutes } from '../api/routes/index.js';
import { params } from '../config/index.js';
import { guardHostBodyParser } from './bodyParserGuard.js';
import { getDeps } from './deps.js';

guardHostBodyParser();

let router: Router | undefined;

/** The REST API (`/v1/**`), served at the function's URL and through the Hosting rewrite. */
export const api = onRequest(
  { region: params.region, memory: '512MiB', timeoutSeconds: 60, concurrency: 80, invoker: 'public' },
  async (req, res) => {
    if (!router) {
      const { deps, verifier } = await getDeps();
      router = createRouter(allRoutes, deps, verifier);
    }
    const raw = req as unknown as { rawBody?: Buffer; jsonParseFailed?: boolean };
    const response = await router.handle({
      method: req.method,
      path: req.path,
      query: req.query as Record<string, unknown>,
      headers: req.headers,
      rawBody: raw.rawBody,
      bodyParseFailed: raw.jsonParseFailed === true,
    });
    res.status(response.status);
    for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
    if (response.body === undefined) {
      res.end();
      return;
    }
    const isProblem = response.status >= 400;
    res.setHeader('Content-Type', isProblem ? 'application/problem+json' : 'application/json; charset=utf-8');
    res.send(JSON.stringify(response.body));
  },
);
