/**
 * The analytics page's periods and money: the picker offers three periods; an address may ask
 * for any the API takes (1 to 90 days). Pure, so it is tested in Node.
 */
import { formatMinorUnits } from '../../i18n.ts';

export const PERIODS = [7, 30, 90] as const;
export const DEFAULT_DAYS = 30;

export function periodDays(value: string | null): number {
  if (value === null || !/^\d{1,2}$/.test(value)) return DEFAULT_DAYS;
  const n = Number(value);
  return n >= 1 && n <= 90 ? n : DEFAULT_DAYS;
}

/** Analytics money names its currency as any string (ui/money.ts takes the billing currency only). */
export const amountText = (m: { amountMinor: number; currency: string }): string => formatMinorUnits(m.amountMinor, m.currency);
