/** Display names for values that come from the API. */
import type { AgentSummary, CatalogSearch, Category, LogLevel, Risk, Role, RunState, SortKey, WizardStep } from '@agent-marketplace/client';
import { formatMoney, t, tn, tOr } from './i18n.ts';

/**
 * Lists of the API's enum values, in display order. The values themselves are zod enums in
 * functions/ (the bundle cannot import them), so each list is checked against the contract's
 * type both ways: `satisfies` refuses a value the API does not have, `complete` a value missing.
 */
export const complete = <T>() => <const L extends readonly T[]>(list: L & ([Exclude<T, L[number]>] extends [never] ? unknown : { missing: Exclude<T, L[number]> })): L => list;

export const CATEGORIES = complete<Category>()(['finops', 'security', 'compliance', 'reliability', 'observability', 'kubernetes', 'operations', 'data']);
export const PRICING_MODELS = complete<NonNullable<CatalogSearch['pricing']>>()(['free', 'subscription', 'per_run', 'per_unit']);
export const SORT_KEYS = complete<SortKey>()(['popular', 'rating', 'newest', 'name']);
export const RISKS = complete<Risk>()(['critical', 'high', 'medium', 'low']);
export const ROLES = complete<Role>()(['owner', 'admin', 'operator', 'approver', 'viewer', 'billing']);
export const RUN_STATES = complete<RunState>()([
  'queued',
  'dispatching',
  'starting',
  'running',
  'awaiting_approval',
  'succeeded',
  'failed',
  'canceled',
  'timed_out',
]);
export const TERMINAL_STATES: readonly RunState[] = ['succeeded', 'failed', 'canceled', 'timed_out'];
export const isTerminal = (state: RunState): boolean => TERMINAL_STATES.includes(state);

export const stateLabel = (state: RunState): string => tOr(`run.state.${state}`, state);
export const levelLabel = (level: LogLevel): string => t(`log.level.${level}`);
export const roleLabel = (role: string): string => tOr(`role.${role}`, role);
export const riskLabel = (risk: string): string => tOr(`risk.${risk}`, risk);
export const categoryLabel = (category: string): string => tOr(`category.${category}`, category);
export const stepLabel = (step: WizardStep): string => t(`wizard.step.${step}`);
/** The contract types the pricing model as a string: show unknown models as they are. */
export const pricingLabel = (model: string): string => tOr(`pricing.${model}`, model);

/** "4.50 € per run", "Free", ...: an agent's price in words. */
export function priceLabel(pricing: Pick<AgentSummary['pricing'], 'model' | 'amountCents' | 'currency'> & { unit?: string | null | undefined }): string {
  const { model, amountCents, currency, unit } = pricing;
  if (model === 'free' || !amountCents) return pricingLabel(model);
  return tOr(`pricing.amount.${model}`, pricingLabel(model), { amount: formatMoney(amountCents, currency || 'usd'), unit: unit ?? t('pricing.unitDefault') });
}

/** "4.5 of 5 (12 ratings)", or "No ratings yet". */
export const ratingLabel = (avg: number, count: number): string =>
  count ? tn('agent.ratingValue', count, { avg: avg.toFixed(1) }) : t('agent.noRatings');
