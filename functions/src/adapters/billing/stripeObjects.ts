import type { ProviderAccount, ProviderCheckoutSession, ProviderCreditNote, ProviderCustomer, ProviderInvoice, ProviderInvoiceLine, ProviderInvoiceRefunds, ProviderPaymentRef, ProviderSubscription } from '../../app/billing/ports.js';

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

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const listData = (v: unknown): Json[] => ((v as Json | null | undefined)?.['data'] as Json[] | undefined) ?? [];

/**
 * An invoice line (API version 2025-03-31 and later: its price under `pricing.price_details`,
 * its subscription item under `parent.subscription_item_details`), named by its price's
 * metadata (`agentId`, `model` for a paid agent), which the caller fetched.
 */
export function toInvoiceLine(o: Json, prices: ReadonlyMap<string, Json>): ProviderInvoiceLine {
  const pricing = o['pricing'] as Json | null | undefined;
  const priceId = idOf((pricing?.['price_details'] as Json | null | undefined)?.['price']);
  const price = priceId ? prices.get(priceId) : undefined;
  const parent = o['parent'] as Json | null | undefined;
  const item = parent?.['subscription_item_details'] as Json | null | undefined;
  const period = (o['period'] as Json | undefined) ?? {};
  return {
    id: String(o['id']),
    amountMinor: num(o['amount']),
    quantity: num(o['quantity']),
    description: str(o['description']) ?? '',
    priceId,
    subscriptionItemId: idOf(item?.['subscription_item']),
    usageType: ((price?.['recurring'] as Json | null | undefined)?.['usage_type'] ?? 'licensed') === 'metered' ? 'metered' : 'licensed',
    metadata: { ...(price ? metadataOf(price) : {}), ...metadataOf(o) },
    periodStart: num(period['start']),
    periodEnd: num(period['end']),
  };
}

/** The price ids an invoice's lines name (to fetch before mapping them). */
export const linePriceIds = (lines: readonly Json[]): string[] => [
  ...new Set(lines.map((l) => idOf(((l['pricing'] as Json | null | undefined)?.['price_details'] as Json | null | undefined)?.['price'])).filter((id): id is string => !!id)),
];

/** Since API version 2025-03-31 an invoice names its subscription under `parent.subscription_details`. `lines`: all its lines (Stripe lists only the first ten on the object). */
export const toInvoice = (o: Json, lines: readonly Json[] = listData(o['lines']), prices: ReadonlyMap<string, Json> = new Map()): ProviderInvoice => {
  const parent = o['parent'] as Json | null | undefined;
  const details = parent?.['subscription_details'] as Json | null | undefined;
  const transitions = o['status_transitions'] as Json | null | undefined;
  return {
    ...base(o),
    customerId: idOf(o['customer']) ?? '',
    subscriptionId: idOf(details?.['subscription']),
    status: String(o['status']),
    created: Number(o['created']),
    number: str(o['number']),
    currency: 'usd',
    totalMinor: num(o['total']),
    amountPaidMinor: num(o['amount_paid']),
    creditedMinor: num(o['post_payment_credit_notes_amount']),
    periodStart: num(o['period_start']),
    periodEnd: num(o['period_end']),
    paidAt: typeof transitions?.['paid_at'] === 'number' ? (transitions['paid_at'] as number) : null,
    lines: lines.map((l) => toInvoiceLine(l, prices)),
  };
};

export const toCreditNote = (o: Json, lines: readonly Json[] = listData(o['lines'])): ProviderCreditNote => ({
  ...base(o),
  invoiceId: idOf(o['invoice']) ?? '',
  customerId: idOf(o['customer']) ?? '',
  status: String(o['status']),
  created: Number(o['created']),
  voidedAt: typeof o['voided_at'] === 'number' ? o['voided_at'] : null,
  totalMinor: num(o['total']),
  lines: lines.map((l) => ({ id: String(l['id']), invoiceLineId: idOf(l['invoice_line_item']), amountMinor: num(l['amount']) })),
  refunds: creditNoteRefunds(o),
});

/** The refunds a credit note accounts for (`refunds[]`: the refund, expandable, and `amount_refunded` of it). */
const creditNoteRefunds = (o: Json): { refundId: string; amountMinor: number }[] =>
  ((o['refunds'] as Json[] | null | undefined) ?? []).flatMap((r) => {
    const refundId = idOf(r['refund']);
    return refundId ? [{ refundId, amountMinor: num(r['amount_refunded']) }] : [];
  });

/** A charge, or a refund (whose payment intent is on it, else on its charge, which the caller fetched). */
export const toPaymentRef = (o: Json, charge?: Json): ProviderPaymentRef => ({
  id: String(o['id']),
  paymentIntentId: idOf(o['payment_intent']) ?? (charge ? idOf(charge['payment_intent']) : null),
});

/** The invoices an invoice payment list names as paid (`status: paid`; open or canceled ones paid nothing). */
export const paidInvoiceIds = (payments: readonly Json[]): string[] => [...new Set(payments.filter((p) => p['status'] === 'paid').flatMap((p) => idOf(p['invoice']) ?? []))];

/** The payment intents of an invoice's paid invoice payments. */
export const paidPaymentIntents = (payments: readonly Json[]): string[] => [
  ...new Set(payments.filter((p) => p['status'] === 'paid').flatMap((p) => idOf((p['payment'] as Json | null | undefined)?.['payment_intent']) ?? [])),
];

export const toInvoiceRefunds = (invoiceId: string, refunds: readonly Json[], creditNotes: readonly Json[]): ProviderInvoiceRefunds => ({
  invoiceId,
  refunds: refunds.map((r) => ({ id: String(r['id']), amountMinor: num(r['amount']), status: String(r['status'] ?? 'pending') })),
  creditNotes: creditNotes.map((n) => ({ id: String(n['id']), status: String(n['status']), refunds: creditNoteRefunds(n) })),
});

export const toAccount = (o: Json): ProviderAccount => ({
  ...base(o),
  chargesEnabled: o['charges_enabled'] === true,
  payoutsEnabled: o['payouts_enabled'] === true,
  detailsSubmitted: o['details_submitted'] === true,
});
