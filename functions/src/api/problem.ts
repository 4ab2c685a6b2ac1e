import { Problem } from '@agent-marketplace/contract';
import type { z } from 'zod';
import { AppError, type ErrorKind } from '../domain/errors.js';

export { Problem };

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition: 412,
  too_large: 413,
  unprocessable: 422,
  payment_required: 402,
  rate_limited: 429,
  unavailable: 503,
};

const TITLE: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface ProblemResponse {
  status: number;
  body: Problem;
  headers: Record<string, string>;
}

/** Firestore's (gRPC's) transient failures: DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, UNAVAILABLE. */
const TRANSIENT_GRPC = new Set([4, 8, 10, 14]);

export function problemFor(err: unknown, requestId: string): ProblemResponse {
  // The database briefly unable to answer is not the request's fault, nor a bug: a 503 to retry (the router logs the cause).
  if (!(err instanceof AppError) && TRANSIENT_GRPC.has((err as { code?: unknown } | null)?.code as number)) {
    return problemFor(new AppError('unavailable', 'unavailable', 'The service is briefly unable to answer; retry shortly.', { retryAfterSeconds: 1 }), requestId);
  }
  if (err instanceof AppError) {
    const status = err.code === 'idempotency_key_reused' ? 422 : err.code === 'unsupported_media_type' ? 415 : err.code === 'method_not_allowed' ? 405 : STATUS[err.kind];
    const headers: Record<string, string> = {};
    if (err.retryAfterSeconds !== undefined) headers['Retry-After'] = String(err.retryAfterSeconds);
    if (err.kind === 'unauthenticated') headers['WWW-Authenticate'] = 'Bearer';
    return {
      status,
      headers,
      body: {
        type: `urn:agent-marketplace:problem:${err.code}`,
        title: TITLE[status] ?? 'Error',
        status,
        detail: err.message,
        code: err.code,
        requestId,
        ...(err.issues ? { errors: err.issues } : {}),
      },
    };
  }
  return {
    status: 500,
    headers: {},
    body: {
      type: 'urn:agent-marketplace:problem:internal',
      title: TITLE[500]!,
      status: 500,
      detail: 'An unexpected error occurred. It has been logged with this request id.',
      code: 'internal',
      requestId,
    },
  };
}

/** zod issues as problem `errors`, each at a JSON-pointer-like path into the input. */
export function validationError(where: 'body' | 'query' | 'path' | 'header', error: z.ZodError): AppError {
  const issues = error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
    code: i.code,
  }));
  const first = issues[0];
  return new AppError('invalid', 'validation_failed', first ? `Invalid ${where}: ${first.path}: ${first.message}` : `Invalid ${where}.`, {
    issues,
  });
}
