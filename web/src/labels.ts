/** Display names for values that come from the API. */
import type { AgentSummary, Category, LogLevel, Risk, Role, RunState, SortKey, WizardStep } from './contract.ts';
import { formatMoney, t, tn, tOr } from './i18n.ts';

/** The catalog's categories (functions/src/domain/manifest.ts CATEGORIES); the type check keeps them in step. */
export const CATEGORIES = ['finops', 'security', 'compliance', 'reliability', 'observability', 'kubernetes', 'operations', 'data'] as const satisfies readonly Category[];
type Missing = Exclude<Category, (typeof CATEGORIES)[number]>;
const _allCategories: Missing extends never ? true : never = true;
void _allCategories;

export const PRICING_MODELS = ['free', 'subscription', 'per_run', 'per_unit'] as const;
export const SORT_KEYS = ['popular', 'rating', 'newest', 'name'] as const satisfies readonly SortKey[];
export const RISKS = ['critical', 'high', 'medium', 'low'] as const satisfies readonly Risk[];
export const ROLES = ['owner', 'admin', 'operator', 'approver', 'viewer', 'billing'] as const satisfies readonly Role[];
export const RUN_STATES = [
  'queued',
  'dispatching',
  'starting',
  'running',
  'awaiting_approval',
  'succeeded',
  'failed',
  'canceled',
  'timed_out',
] as const satisfies readonly RunState[];
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
