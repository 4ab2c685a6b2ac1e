/**
 * The billing refusals a person can act on, in words: a spend cap reached or a payment past
 * due (402 on a run), a second checkout or a portal before any (409), the provider away (503).
 * Each reads as the app's own sentence followed by the server's specifics (amounts, dates).
 */
import { ApiError } from './api.ts';
import { describeError } from './messages.ts';
import { t, tOr } from './i18n.ts';

/** Codes a run trigger answers when billing stops it: the run form links to the billing page. */
export const RUN_REFUSALS: ReadonlySet<string> = new Set(['spend_cap_reached', 'payment_past_due']);

export const isBillingRefusal = (err: unknown): err is ApiError => err instanceof ApiError && err.status === 402 && RUN_REFUSALS.has(err.code);

export function billingProblemText(err: unknown): string {
  if (!(err instanceof ApiError)) return describeError(err);
  const title = tOr(`billing.problem.${err.code}`, '');
  if (!title) return describeError(err);
  return t('billing.problemText', { title, detail: err.problem?.detail ?? '' }).trim();
}
