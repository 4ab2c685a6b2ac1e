/**
 * Errors of the cloud connection calls. A 403 says who may do it (owners and admins connect
 * accounts; install managers test them) rather than the API's generic refusal, since the page
 * hides those controls from others and a 403 means the role changed under it.
 */
import { ApiError } from '../../api.ts';
import { t } from '../../i18n.ts';
import { showError, showErrorText } from '../../messages.ts';

export function showCloudError(err: unknown): void {
  if (err instanceof ApiError && err.status === 403) showErrorText(t('cloud.forbidden'));
  else showError(err);
}
