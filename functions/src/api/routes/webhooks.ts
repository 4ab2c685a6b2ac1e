import { endpoints, WEBHOOK_SIGNATURE_HEADER } from '@agent-marketplace/contract';
import { runFromWebhook } from '../../app/runs/webhooks.js';
import { implement } from '../route.js';

export const webhookRoutes = [
  implement(endpoints.inboundWebhook, async ({ deps, params, body, rawBody, headers }) => {
      const signature = headers[WEBHOOK_SIGNATURE_HEADER.toLowerCase()];
      const run = await runFromWebhook(deps, {
        wsId: params.wsId,
        installId: params.installId,
        signature: Array.isArray(signature) ? signature[0] : signature,
        rawBody: rawBody?.toString('utf8') ?? '',
        body,
      });
      return { status: 202, body: run };
    }),
];
