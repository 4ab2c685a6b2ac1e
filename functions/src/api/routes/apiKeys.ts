import { endpoints } from '@agent-marketplace/contract';
import { createApiKey, keyView, listApiKeys, revokeApiKey, transferApiKey } from '../../app/workspaces/apiKeys.js';
import { implement } from '../route.js';

export const apiKeyRoutes = [
  implement(endpoints.listApiKeys, async ({ deps, params, query }) => {
      const page = await listApiKeys(deps, params.wsId, query);
      return { body: { items: page.items.map(keyView), nextCursor: page.nextCursor } };
    }),
  implement(endpoints.createApiKey, async ({ deps, access, body }) => {
      const { key, secret } = await createApiKey(deps, access!, body);
      return { body: { ...keyView(key), secret } };
    }),
  implement(endpoints.revokeApiKey, async ({ deps, params }) => ({ body: keyView(await revokeApiKey(deps, params.wsId, params.keyId)) })),
  implement(endpoints.transferApiKey, async ({ deps, params, body }) => ({ body: keyView(await transferApiKey(deps, params.wsId, params.keyId, body.toUid)) })),
];
