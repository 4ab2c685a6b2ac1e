import { z } from 'zod';
import { InstallId, WorkspaceId } from '../common.js';
import { endpoint } from '../endpoint.js';
import { RunOut } from '../runs.js';

export const webhookEndpoints = {
  inboundWebhook: endpoint('inboundWebhook', {
    summary:
      "Start a run from an external system. Sign the raw body: header `X-Agent-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" with the install's webhook secret>`. The JSON body is the run input. Each signed request starts at most one run: a replay of it answers 409 `webhook_replayed`.",
    tags: ['runs'],
    // Authenticated by the signature, not by a bearer token.
    access: { kind: 'public' },
    params: z.object({ wsId: WorkspaceId, installId: InstallId }).strict(),
    body: z.record(z.string(), z.unknown()).optional(),
    response: { status: 202, schema: RunOut.pick({ id: true, state: true, createdAt: true }).meta({ id: 'QueuedRun' }), description: 'The queued run' },
    errors: [401, 409, 412, 429],
  }),
};
