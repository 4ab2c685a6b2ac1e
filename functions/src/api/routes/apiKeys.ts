import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../../app/apiKeys.js';
import { defineRoute } from '../route.js';
import { ApiKeyOut, CreateApiKeyIn, CreatedApiKeyOut, Id, PageQuery, pageOf } from '../schemas.js';

const WsParams = z.object({ wsId: Id }).strict();

export const apiKeyRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/workspaces/:wsId/api-keys',
    operationId: 'listApiKeys',
    summary: "The workspace's API keys (never their secrets)",
    tags: ['api keys'],
    access: { kind: 'workspace', permission: 'apikeys.manage', apiKeys: false },
    params: WsParams,
    query: PageQuery,
    response: { status: 200, schema: pageOf(ApiKeyOut), description: 'A page of keys' },
    handler: async ({ deps, params, query }) => ({ body: await listApiKeys(deps, params.wsId, query) }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/workspaces/:wsId/api-keys',
    operationId: 'createApiKey',
    summary: 'Create a scoped API key; its secret is in this response only',
    tags: ['api keys'],
    access: { kind: 'workspace', permission: 'apikeys.manage', apiKeys: false },
    params: WsParams,
    body: CreateApiKeyIn,
    // Not idempotent on purpose: a replay would have to store the secret to return it again.
    response: { status: 201, schema: CreatedApiKeyOut, description: 'The key with its secret' },
    handler: async ({ deps, access, body }) => {
      const { key, secret } = await createApiKey(deps, access!, body);
      return { body: { ...key, secret } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/workspaces/:wsId/api-keys/:keyId',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key; it stops working at once',
    tags: ['api keys'],
    access: { kind: 'workspace', permission: 'apikeys.manage', apiKeys: false },
    params: z.object({ wsId: Id, keyId: Id }).strict(),
    response: { status: 200, schema: ApiKeyOut, description: 'The revoked key' },
    handler: async ({ deps, params }) => ({ body: await revokeApiKey(deps, params.wsId, params.keyId) }),
  }),
];
