import { describe, expect, it } from 'vitest';
import type { Deps } from '../src/app/deps.ts';
import { createRouter } from '../src/api/router.ts';
import { allRoutes } from '../src/api/routes/index.ts';

/**
 * Requests the emulators refuse before the function sees them (bad percent-encoding): the
 * router's own answer, which production gives wherever such a path reaches it. No port is
 * touched: these are refused before authentication or any read, which is the point.
 */
const untouchable = new Proxy({}, { get: (_t, name) => { throw new Error(`deps.${String(name)} used before the path was checked`); } }) as Deps;
const router = createRouter(allRoutes, untouchable, { verify: () => Promise.reject(new Error('verifier used before the path was checked')) });
const get = (path: string, token?: string) =>
  router.handle({ method: 'GET', path, query: {}, headers: token ? { authorization: `Bearer ${token}` } : {}, rawBody: undefined });

describe('router: path ids', () => {
  it('bad percent-encoding is 400 invalid_path, before authentication', async () => {
    for (const path of ['/v1/agents/%E0', '/v1/agents/cost-anomaly-detector/versions/%ZZ', '/v1/workspaces/%C0%AF', '/v1/workspaces/%ED%A0%80/runs', '/v1/workspaces/abc/installs/%']) {
      for (const token of [undefined, 'some-token']) {
        const r = await get(path, token);
        expect({ path, status: r.status, code: (r.body as { code: string }).code }).toEqual({ path, status: 400, code: 'invalid_path' });
      }
    }
  });

  it('dot segments, reserved and slashed ids are refused before any read', async () => {
    for (const path of ['/v1/workspaces/..', '/v1/workspaces/.', '/v1/workspaces/..%2F..', '/v1/workspaces/__x__/members', '/v1/workspaces/a%2Fb/runs/r1']) {
      const r = await get(path, 'some-token');
      expect({ path, status: r.status, code: (r.body as { code: string }).code }).toEqual({ path, status: 400, code: 'invalid_path' });
    }
  });
});
