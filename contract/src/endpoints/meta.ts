import { z } from 'zod';
import { endpoint } from '../endpoint.js';
import { HealthOut } from '../meta.js';

export const metaEndpoints = {
  health: endpoint('health', {
    summary: 'Liveness of the API',
    tags: ['meta'],
    access: { kind: 'public' },
    response: { status: 200, schema: HealthOut, description: 'The API answers' },
  }),
  openapi: endpoint('openapi', {
    summary: 'This API described in OpenAPI 3.1',
    tags: ['meta'],
    access: { kind: 'public' },
    response: { status: 200, schema: z.record(z.string(), z.unknown()), description: 'The OpenAPI document' },
  }),
};
