import { CloudProviderError, type CloudErrorReason } from '../../../app/cloud/ports.js';

/**
 * AWS SDK v3 errors in the platform's terms (CloudProviderError). The SDK throws a
 * ServiceException whose `name` is the service's error code and whose `$metadata` carries the
 * HTTP status and how many attempts its retry strategy made; network failures carry no status.
 */

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

const UNAUTHENTICATED = new Set(['ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException', 'AuthFailure', 'InvalidAccessKeyId', 'InvalidToken', 'RequestExpired', 'TokenRefreshRequired']);
const PERMISSION_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedAccess', 'Forbidden', 'AllAccessDisabled']);
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'SlowDown', 'RequestThrottled', 'RequestThrottledException', 'ProvisionedThroughputExceededException', 'BandwidthLimitExceeded', 'EC2ThrottledException']);
const UNAVAILABLE = new Set(['ServiceUnavailable', 'ServiceUnavailableException', 'InternalError', 'InternalFailure', 'InternalServerError', 'InternalServiceError', 'ServerException', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const INVALID = new Set(['ValidationError', 'ValidationException', 'InvalidParameterValue', 'InvalidParameterCombination', 'InvalidParameterException', 'InvalidParameter', 'InvalidInput', 'InvalidInputException', 'MalformedPolicyDocument', 'MissingParameter', 'InvalidRequest', 'InvalidRequestException', 'PackedPolicyTooLarge', 'BadRequestException']);

/** `NoSuchBucket`, `InvalidInstanceID.NotFound`, `ResourceNotFoundException`, `NoSuchEntity`... */
const isNotFoundCode = (code: string) => code.startsWith('NoSuch') || /NotFound(Exception)?$/.test(code);

/** Where a provider message can carry a credential: presigned URLs and echoed keys. */
const SIGNED_QUERY = /(X-Amz-(?:Security-Token|Signature|Credential)=)[^&\s"']+/gi;

/** The message without any of `secrets` or presigned-URL credentials, bounded in length. */
export function scrub(message: string, secrets: readonly string[]): string {
  let out = message.replace(SIGNED_QUERY, '$1[redacted]');
  for (const s of secrets) if (s && s.length >= 8) out = out.split(s).join('[redacted]');
  return out.length > 400 ? `${out.slice(0, 399)}…` : out;
}

/** The IAM action a denial names ("...is not authorized to perform: ec2:StopInstances on resource..."). */
export function deniedAction(message: string): string | undefined {
  return /perform:?\s+([a-z0-9-]+:[A-Za-z0-9]+)/.exec(message)?.[1];
}

export function reasonOf(code: string, status: number | undefined): CloudErrorReason {
  if (UNAUTHENTICATED.has(code)) return 'unauthenticated';
  if (PERMISSION_DENIED.has(code)) return 'permission_denied';
  if (THROTTLED.has(code) || status === 429) return 'throttled';
  if (isNotFoundCode(code)) return 'not_found';
  if (UNAVAILABLE.has(code) || (status !== undefined && status >= 500)) return 'unavailable';
  if (INVALID.has(code) || code.startsWith('Invalid') || code.startsWith('Malformed')) return 'invalid';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'permission_denied';
  if (status === 404) return 'not_found';
  if (status !== undefined && status >= 400) return 'invalid';
  // No HTTP status at all: the request never got an answer (DNS, connection refused, reset).
  return 'unavailable';
}

/**
 * The CloudProviderError for an SDK failure of `operation` (`ec2:DescribeInstances`) in `where`
 * (a region or "global"). `secrets` are removed from the message whatever the provider echoed.
 */
export function awsError(err: unknown, operation: string, where: string, secrets: readonly string[] = []): CloudProviderError {
  if (err instanceof CloudProviderError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const code = e.Code ?? (e.name && e.name !== 'Error' ? e.name : undefined) ?? e.code ?? (status ? String(status) : 'NetworkError');
  const reason = reasonOf(code, status);
  const said = scrub(e.message ?? '', secrets);
  const attempts = e.$metadata?.attempts;
  const at = `AWS ${operation} in ${where}`;
  let message: string;
  switch (reason) {
    case 'unauthenticated':
      message = `${at} refused the credential (${code}): it has expired or is not valid; mint a new one. ${said}`;
      break;
    case 'permission_denied': {
      const action = deniedAction(said) ?? operation;
      return new CloudProviderError('aws', reason, `${at} was denied (${code}): the role does not allow ${action}. ${said}`.trim(), { providerCode: code, permissions: [action] });
    }
    case 'throttled':
      message = `${at} was throttled by AWS (${code}) ${attempts ? `on all ${attempts} attempts` : 'after retries'}: the account's API rate limit is spent; try again in a few minutes.`;
      break;
    case 'unavailable':
      message = `${at} could not be completed: AWS did not answer (${code}${status ? `, HTTP ${status}` : ''}). ${said}`;
      break;
    default:
      message = `${at} failed (${code}). ${said}`;
  }
  return new CloudProviderError('aws', reason, message.trim(), { providerCode: code });
}
