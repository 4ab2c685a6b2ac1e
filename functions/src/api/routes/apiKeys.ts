import { endpoints } from '@agent-marketplace/contract';
import { createApiKey, listApiKeys, revokeApiKey } from '../../app/workspaces/apiKeys.js';
import { implement } from '../route.js';

export const apiKeyRoutes = [
  implement(endpoints.listApiKeys, async ({ deps, params, query }) => ({ body: await listApiKeys(deps, params.wsId, query) })),
  implement(endpoints.createApiKey, async ({ deps, access, body }) => {
      const { key, secret } = await createApiKey(deps, access!, body);
      return { body: { ...key, secret } };
    }),
  implement(endpoints.revokeApiKey, async ({ deps, params }) => ({ body: await revokeApiKey(deps, params.wsId, params.keyId) })),
];
