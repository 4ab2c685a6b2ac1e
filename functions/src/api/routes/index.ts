import { z } from 'zod';
import { buildOpenApi } from '../openapi.js';
import { defineRoute, type RouteDef } from '../route.js';
import { HealthOut } from '../schemas.js';
import { apiKeyRoutes } from './apiKeys.js';
import { catalogRoutes } from './catalog.js';
import { installRoutes } from './installs.js';
import { memberRoutes } from './members.js';
import { runnerRoutes } from './runner.js';
import { runRoutes } from './runs.js';
import { webhookRoutes } from './webhooks.js';
import { workspaceRoutes } from './workspaces.js';

export const API_VERSION = '0.1.0';

const resourceRoutes: RouteDef[] = [
  ...catalogRoutes,
  ...workspaceRoutes,
  ...memberRoutes,
  ...apiKeyRoutes,
  ...installRoutes,
  ...runRoutes,
  ...webhookRoutes,
  ...runnerRoutes,
];

let openApiCache: Record<string, unknown> | undefined;

const metaRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/v1/health',
    operationId: 'health',
    summary: 'Liveness of the API',
    tags: ['meta'],
    access: { kind: 'public' },
    response: { status: 200, schema: HealthOut, description: 'The API answers' },
    handler: async () => ({ body: { status: 'ok', version: API_VERSION } }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/openapi.json',
    operationId: 'openapi',
    summary: 'This API described in OpenAPI 3.1',
    tags: ['meta'],
    access: { kind: 'public' },
    response: { status: 200, schema: z.record(z.string(), z.unknown()), description: 'The OpenAPI document' },
    handler: async () => ({ body: (openApiCache ??= buildOpenApi(allRoutes, API_VERSION)) }),
  }),
];

/** Every route the API serves: the router, the OpenAPI document and the guard test read this list. */
export const allRoutes: readonly RouteDef[] = [...metaRoutes, ...resourceRoutes];
