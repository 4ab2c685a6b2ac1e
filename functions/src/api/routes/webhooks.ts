import { z } from 'zod';
import { runFromWebhook } from '../../app/webhooks.js';
import { defineRoute } from '../route.js';
import { Id, RunOut } from '../schemas.js';

export const webhookRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/hooks/:wsId/:installId',
    operationId: 'inboundWebhook',
    summary:
      "Start a run from an external system. Sign the raw body: header `X-Agent-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" with the install's webhook secret>`. The JSON body is the run input.",
    tags: ['runs'],
    // Authenticated by the signature, not by a bearer token.
    access: { kind: 'public' },
    params: z.object({ wsId: Id, installId: Id }).strict(),
    body: z.record(z.string(), z.unknown()).optional(),
    response: { status: 202, schema: RunOut.pick({ id: true, state: true, createdAt: true }), description: 'The queued run' },
    errors: [401, 412, 429],
    handler: async ({ deps, params, body, rawBody, headers }) => {
      const signature = headers['x-agent-signature'];
      const run = await runFromWebhook(deps, {
        wsId: params.wsId,
        installId: params.installId,
        signature: Array.isArray(signature) ? signature[0] : signature,
        rawBody: rawBody?.toString('utf8') ?? '',
        body,
      });
      return { status: 202, body: run };
    },
  }),
];
