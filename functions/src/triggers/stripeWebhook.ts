import { randomUUID } from 'node:crypto';
import { logger } from 'firebase-functions/logger';
import { onRequest } from 'firebase-functions/v2/https';
import { handleProviderEvent } from '../app/billing/providerEvents.js';
import { problemFor } from '../api/problem.js';
import { AppError } from '../domain/errors.js';
import { params, STRIPE_SECRETS } from '../config/index.js';
import { guardHostBodyParser } from './bodyParserGuard.js';
import { getDeps } from './deps.js';

guardHostBodyParser();

/**
 * Stripe's webhook endpoint (locally, the stand-in's): the signature is verified on the raw
 * body, then the event's object is refetched and upserted (app/billing/providerEvents.ts).
 * 2xx only once that is done; any failure answers non-2xx so Stripe delivers it again. A bad
 * signature is 400 `stripe_signature_invalid` and changes nothing.
 */
export const stripeWebhook = onRequest(
  { region: params.region, memory: '256MiB', timeoutSeconds: 60, concurrency: 40, invoker: 'public', secrets: STRIPE_SECRETS },
  async (req, res) => {
    const requestId = randomUUID();
    res.setHeader('X-Request-Id', requestId);
    try {
      if (req.method !== 'POST') throw new AppError('invalid', 'method_not_allowed', 'Send webhook events with POST.');
      const raw = req as unknown as { rawBody?: Buffer; bodyTooLarge?: boolean };
      if (raw.bodyTooLarge) throw new AppError('too_large', 'payload_too_large', 'The event is too large.');
      const { deps } = await getDeps();
      const event = deps.billing.verifyWebhook(raw.rawBody ?? Buffer.alloc(0), req.get('stripe-signature'));
      const { handled } = await handleProviderEvent(deps, event);
      logger.info('stripeWebhook', { requestId, eventId: event.id, type: event.type, object: event.object.id, handled });
      res.status(200).json({ received: true, handled });
    } catch (err) {
      const problem = problemFor(err, requestId);
      if (problem.status >= 500) logger.error('stripeWebhook failed', { requestId, error: String((err as Error)?.stack ?? err) });
      else logger.warn('stripeWebhook refused', { requestId, code: problem.body.code });
      res.status(problem.status).setHeader('Content-Type', 'application/problem+json').send(JSON.stringify(problem.body));
    }
  },
);
