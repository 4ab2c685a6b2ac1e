/** Display names for values that come from the API. */
import type { LogLevel, RunState, Workspace } from './contract.ts';
import { t, tOr } from './i18n.ts';

export const stateLabel = (state: RunState): string => t(`run.state.${state}`);
export const levelLabel = (level: LogLevel): string => t(`log.level.${level}`);
export const roleLabel = (role: Workspace['role']): string => t(`role.${role}`);
/** The contract types the pricing model as a string: show unknown models as they are. */
export const pricingLabel = (model: string): string => tOr(`pricing.${model}`, model);
