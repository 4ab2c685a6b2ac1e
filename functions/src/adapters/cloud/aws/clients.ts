import { StandardRetryStrategy } from '@smithy/core/retry';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, HttpRequest, HttpResponse, StandardRetryBackoffStrategy } from '@smithy/types';

/** What the SDK's HttpHandler does: send one signed request, answer its response. */
export interface AwsRequestHandler {
  handle(request: HttpRequest, options?: unknown): Promise<{ response: HttpResponse }>;
}

/**
 * What every AWS SDK client of the adapter is built with. The clients themselves are imported
 * lazily by the modules that use them (`await import('@aws-sdk/client-ec2')`), so a function's
 * cold start pays only for the services its calls touch.
 */
export interface AwsClientSettings {
  /** The SDK HttpHandler: tests and the local stand-in inject a RecordingHandler. */
  requestHandler?: AwsRequestHandler;
  /**
   * A base URL (`http://127.0.0.1:9199/aws`) standing in for every AWS endpoint. Each client's
   * endpoint becomes `<base>/<region>/<service>` with the SigV4 signing names as `service`:
   * `sts`, `iam`, `ec2`, `s3` (path-style: `<base>/<region>/s3/<bucket>?<subresource>`), `acm`,
   * `eks`, `budgets`, `ce`, `monitoring`, `logs`. A stand-in serves, under each prefix, what the
   * service serves at `/` (the SDK posts to `<base>/<region>/<service>/`): POST form bodies with `Action=` for sts, iam and ec2 (XML answers);
   * POST JSON with `X-Amz-Target` for acm, budgets, ce, logs (awsJson 1.1) and monitoring
   * (awsJson 1.0); REST paths for s3 (XML) and eks (`/clusters`, JSON).
   */
  endpointOverride?: string;
  /** Attempts per request including the first (the SDK's standard retry mode); 5 unless set. */
  maxAttempts?: number;
  /** Jitter source for the retry backoff, in [0, 1): tests pass `() => 0` so retries do not wait. */
  random?: () => number;
  /** How the adapter waits between polls of an asynchronous AWS job (the access advisor); tests pass an instant one. */
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
/** The standard mode's cap on one retry's wait. */
const MAX_BACKOFF_MS = 20_000;

/** Truncated exponential backoff with full jitter, as the SDK's standard mode computes it, with our jitter source. */
function backoff(random: () => number): StandardRetryBackoffStrategy {
  let base = 100;
  return {
    setDelayBase: (d) => {
      base = d;
    },
    computeNextBackoffDelay: (attempt) => Math.floor(Math.min(MAX_BACKOFF_MS, random() * base * 2 ** attempt)),
  };
}

export function toIdentity(c: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiresAt?: Date }): AwsCredentialIdentity {
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, ...(c.expiresAt ? { expiration: c.expiresAt } : {}) };
}

/**
 * The configuration of one SDK client for `service` (its SigV4 signing name) in `region`. A fresh
 * retry strategy per client: its retry quota is per client, as the SDK's default is.
 */
export function clientConfig(settings: AwsClientSettings, service: string, region: string, credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider) {
  const maxAttempts = settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  return {
    region,
    maxAttempts,
    retryStrategy: new StandardRetryStrategy({ maxAttempts, backoff: backoff(settings.random ?? Math.random) }),
    ...(credentials ? { credentials } : {}),
    ...(settings.requestHandler ? { requestHandler: settings.requestHandler as never } : {}),
    ...(settings.endpointOverride ? { endpoint: `${settings.endpointOverride.replace(/\/+$/, '')}/${region}/${service}` } : {}),
    ...(service === 's3' && settings.endpointOverride ? { forcePathStyle: true } : {}),
  };
}

/** Global services are served from us-east-1 in the commercial partition. */
export const GLOBAL_REGION = 'us-east-1';
