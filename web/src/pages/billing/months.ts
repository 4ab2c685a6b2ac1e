/** The months the billing page offers: this calendar month (UTC, as the API counts) and the 11 before it. */
import { formatLocale } from '../../i18n.ts';

export interface MonthOption {
  /** `YYYY-MM`, as the API's `month` query takes it. */
  value: string;
  /** "March 2026", in the user's locale. */
  label: string;
}

const monthName = new Intl.DateTimeFormat(formatLocale, { month: 'long', year: 'numeric', timeZone: 'UTC' });

export function recentMonths(now: Date = new Date(), count = 12): MonthOption[] {
  return Array.from({ length: count }, (_, i) => {
    const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    return { value: first.toISOString().slice(0, 7), label: monthName.format(first) };
  });
}

/** The month a `YYYY-MM` names, in words. */
export const monthLabel = (value: string): string => monthName.format(new Date(`${value}-01T00:00:00Z`));
