/**
 * The one way the web app calls the REST API: the typed client built from the contract
 * (`@agent-marketplace/client`), same-origin `/v1`, the user's ID token, a request id on every
 * call, an Idempotency-Key on creating POSTs, and problem+json turned into an ApiError whose
 * message a person can read in their language.
 */
import { ApiError, createClient, type DescribeError } from '@agent-marketplace/client';
import { idToken } from './auth.ts';
import { t } from './i18n.ts';
import { retryAfterText } from './retryAfter.ts';

export { ApiError };

const describe: DescribeError = ({ status, problem, requestId, retryAfter }) => {
  const later = retryAfter === null ? '' : ` ${retryAfterText(retryAfter)}`;
  if (status === 0) return t('error.network');
  if (!problem) return t('error.http', { status, requestId: requestId ?? '' }) + later;
  // Field problems are listed one by one (the pages also show them beside their inputs).
  const detail = problem.errors?.length ? problem.errors.map((e) => `${e.path}: ${e.message}`).join('; ') : problem.detail;
  return t('error.api', { title: problem.title, detail, code: problem.code, requestId: problem.requestId || requestId || '' }) + later;
};

export const api = createClient({ credential: idToken, describeError: describe });
