import type { ProviderAccount, ProviderCheckoutSession, ProviderCustomer, ProviderInvoice, ProviderSubscription } from '../../app/billing/ports.js';

/**
 * Stripe's objects (API version 2026-10-28) as the billing port's types. Both providers keep
 * Stripe-shaped objects (the local stand-in stores them in Firestore), so one mapping serves both.
 */
type Json = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
/** An expandable field: its id whether it came as an id or as an object. */
const idOf = (v: unknown): string | null => str(v) ?? (v && typeof v === 'object' ? str((v as Json)['id']) : null);
const metadataOf = (o: Json): Record<string, string> => Object.fromEntries(Object.entries((o['metadata'] as Json | null) ?? {}).map(([k, v]) => [k, String(v)]));

const base = (o: Json) => ({ id: String(o['id']), metadata: metadataOf(o), raw: o });

export const toCustomer = (o: Json): ProviderCustomer => base(o);

export const toCheckoutSession = (o: Json): ProviderCheckoutSession => ({
  ...base(o),
  url: str(o['url']),
  status: String(o['status'] ?? 'open'),
  customerId: idOf(o['customer']),
  subscriptionId: idOf(o['subscription']),
});

export const toSubscription = (o: Json): ProviderSubscription => ({
  ...base(o),
  customerId: idOf(o['customer']) ?? '',
  status: String(o['status']),
  created: Number(o['created']),
  items: (((o['items'] as Json | undefined)?.['data'] as Json[] | undefined) ?? []).map((item) => ({
    id: String(item['id']),
    priceId: idOf(item['price']) ?? '',
    metadata: metadataOf(item),
  })),
});

/** Since API version 2025-03-31 an invoice names its subscription under `parent.subscription_details`. */
export const toInvoice = (o: Json): ProviderInvoice => {
  const parent = o['parent'] as Json | null | undefined;
  const details = parent?.['subscription_details'] as Json | null | undefined;
  return {
    ...base(o),
    customerId: idOf(o['customer']) ?? '',
    subscriptionId: idOf(details?.['subscription']),
    status: String(o['status']),
    created: Number(o['created']),
  };
};

export const toAccount = (o: Json): ProviderAccount => ({
  ...base(o),
  chargesEnabled: o['charges_enabled'] === true,
  payoutsEnabled: o['payouts_enabled'] === true,
  detailsSubmitted: o['details_submitted'] === true,
});
