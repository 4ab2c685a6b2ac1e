/**
 * The one error type the domain and use cases throw. `kind` says what went wrong in
 * protocol-neutral terms; the API maps it to an HTTP status, a task trigger to retry or ack.
 * `code` is stable and documented: clients branch on it, never on `message`.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition'
  | 'too_large'
  /** Well-formed, but past what the platform accepts (a usage report over its bound). */
  | 'unprocessable'
  /** Billing stands in the way: a spend cap, or a workspace past due for a paid agent. */
  | 'payment_required'
  | 'rate_limited'
  | 'unavailable';

export interface FieldIssue {
  path: string;
  message: string;
  code?: string;
}

export class AppError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly issues: FieldIssue[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    kind: ErrorKind,
    code: string,
    message: string,
    extra: { issues?: FieldIssue[]; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.kind = kind;
    this.code = code;
    this.issues = extra.issues;
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}

export const notFound = (what: string, code = 'not_found') =>
  new AppError('not_found', code, `${what} was not found.`);
