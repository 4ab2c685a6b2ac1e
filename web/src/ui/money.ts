/** Money as the API sends it (integer minor units with a currency), in the user's locale. */
import type { Money } from '@agent-marketplace/client';
import { formatMinorUnits, formatLocale } from '../i18n.ts';

export const moneyText = (m: Money): string => formatMinorUnits(m.amountMinor, m.currency);

const day = new Intl.DateTimeFormat(formatLocale, { dateStyle: 'medium', timeZone: 'UTC' });
/** A date without its time (UTC, as billing periods are counted). */
export const formatDay = (d: string | Date): string => day.format(typeof d === 'string' ? new Date(d) : d);
