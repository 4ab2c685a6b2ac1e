/** How long a 429 or 503 asks us to wait (`Retry-After`), in seconds and in words. */
import { t, tn } from './i18n.ts';

/**
 * `Retry-After` (seconds, or an HTTP date) as the number of seconds to wait; null when absent
 * or unreadable.
 */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** "Try again in 2 minutes." and the like: how long to wait, in words. */
export function retryAfterText(seconds: number): string {
  if (seconds <= 1) return t('error.retryNow');
  if (seconds < 90) return tn('error.retrySeconds', seconds);
  if (seconds < 90 * 60) return tn('error.retryMinutes', Math.round(seconds / 60));
  return tn('error.retryHours', Math.round(seconds / 3600));
}
