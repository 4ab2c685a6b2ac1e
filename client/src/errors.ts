import type { Problem } from '@agent-marketplace/contract';

/**
 * An answer other than success. `code` is the API's stable problem code (`validation_failed`,
 * `concurrent_run_limit`, ...), or `network_error` / `http_error` when there was no problem body.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  /** The problem+json body, when the server sent one. */
  readonly problem: Problem | null;
  /** Seconds the server asked to wait (429 and 503 carry Retry-After); null when it did not say. */
  readonly retryAfter: number | null;

  constructor(init: { message: string; status: number; code: string; requestId: string | null; problem: Problem | null; retryAfter: number | null }) {
    super(init.message);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.problem = init.problem;
    this.retryAfter = init.retryAfter;
  }
}

/** Turns an ApiError's facts into its message; the web app passes one that speaks the user's language. */
export type DescribeError = (facts: { status: number; problem: Problem | null; requestId: string | null; retryAfter: number | null }) => string;

export const describeInEnglish: DescribeError = ({ status, problem, requestId, retryAfter }) => {
  const wait = retryAfter === null ? '' : ` Retry after ${retryAfter} s.`;
  if (!problem) return status === 0 ? 'The API could not be reached.' : `HTTP ${status}${requestId ? ` (request ${requestId})` : ''}.${wait}`;
  const detail = problem.errors?.length ? problem.errors.map((e) => `${e.path}: ${e.message}`).join('; ') : problem.detail;
  return `${problem.title}: ${detail} (${problem.code}, request ${problem.requestId || requestId}).${wait}`;
};

/** Retry-After in seconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

export const isProblem = (v: unknown): v is Problem =>
  typeof v === 'object' && v !== null && typeof (v as Problem).title === 'string' && typeof (v as Problem).code === 'string';

/** The ApiError for a response that is not a success. */
export async function errorFrom(res: Response, sentRequestId: string, describe: DescribeError): Promise<ApiError> {
  const requestId = res.headers.get('X-Request-Id') ?? sentRequestId;
  const retryAfter = retryAfterSeconds(res.headers.get('Retry-After'));
  let problem: Problem | null = null;
  if (/json/i.test(res.headers.get('Content-Type') ?? '')) {
    const body: unknown = await res.json().catch(() => null);
    if (isProblem(body)) problem = body;
  } else {
    await res.arrayBuffer().catch(() => undefined);
  }
  const facts = { status: res.status, problem, requestId: problem?.requestId || requestId, retryAfter };
  return new ApiError({ message: describe(facts), code: problem?.code ?? 'http_error', ...facts });
}
