/** How long a 429 or 503 asks us to wait (`Retry-After`, read by the client), in words. */
import { t, tn } from './i18n.ts';

/** "Try again in 2 minutes." and the like: how long to wait, in words. */
export function retryAfterText(seconds: number): string {
  if (seconds <= 1) return t('error.retryNow');
  if (seconds < 90) return tn('error.retrySeconds', seconds);
  if (seconds < 90 * 60) return tn('error.retryMinutes', Math.round(seconds / 60));
  return tn('error.retryHours', Math.round(seconds / 3600));
}
