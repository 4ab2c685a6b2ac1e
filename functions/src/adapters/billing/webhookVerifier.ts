import Stripe from 'stripe';
import type { ProviderEvent } from '../../app/billing/ports.js';
import { AppError } from '../../domain/errors.js';

/**
 * Verifies a Stripe webhook (`Stripe-Signature`, HMAC of the raw body with the endpoint's
 * secret, within Stripe's 5-minute tolerance) with the SDK's own `constructEvent`: the same
 * check for Stripe's deliveries and the local stand-in's.
 */
export function verifyStripeWebhook(rawBody: Buffer, signature: string | undefined, secret: string): ProviderEvent {
  if (!secret) throw new Error('STRIPE_WEBHOOK_SECRET is not set');
  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(rawBody, signature ?? '', secret);
  } catch (err) {
    throw new AppError('invalid', 'stripe_signature_invalid', `The Stripe-Signature header does not verify: ${(err as Error).message}`);
  }
  const object = event.data.object as unknown as { id?: unknown; object?: unknown };
  if (typeof object.id !== 'string' || typeof object.object !== 'string') {
    throw new AppError('invalid', 'stripe_event_invalid', 'The event names no object.');
  }
  return { id: event.id, type: event.type, created: event.created, object: { id: object.id, object: object.object } };
}
