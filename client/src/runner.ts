import type { BodyOf, OperationId, ResponseOf } from '@agent-marketplace/contract';
import { RUNNER_API_PATH } from '@agent-marketplace/contract/routes';
import { createClient, type ClientOptions } from './client.js';

/** The runner API's operations (what an execution may call). */
export type RunnerOperation = Extract<OperationId, `runner${string}`>;

export interface RunnerClientOptions extends Pick<ClientOptions, 'fetch' | 'maxAttempts' | 'baseDelayMs' | 'timeoutMs'> {
  /** RUNNER_API_URL: the runner API's root, ending with `/v1/runner`. */
  apiUrl: string;
  runId: string;
  /** The run's session token (from `startRunnerSession`). */
  token: string;
}

export type RunnerClient = ReturnType<typeof createRunnerClient>;

/**
 * The runner's side of the API, for one run: every call carries the run's token and is
 * retried with exponential backoff and jitter on network errors, 429 and 5xx (each runner
 * call is safe to repeat: log batches carry a sequence number, the rest are idempotent).
 * Other 4xx answers are final and thrown as ApiError.
 */
export function createRunnerClient(options: RunnerClientOptions) {
  const root = options.apiUrl.replace(/\/$/, '');
  if (!root.endsWith(RUNNER_API_PATH)) throw new TypeError(`the runner API URL must end with ${RUNNER_API_PATH}: ${options.apiUrl}`);
  const api = createClient({
    baseUrl: root.slice(0, -RUNNER_API_PATH.length),
    credential: options.token,
    fetch: options.fetch,
    retryStatus: (status) => status === 429 || status >= 500,
    maxAttempts: options.maxAttempts ?? 6,
    baseDelayMs: options.baseDelayMs ?? 200,
    timeoutMs: options.timeoutMs ?? 15_000,
  });
  const params = { runId: options.runId };
  return {
    call<Op extends RunnerOperation>(op: Op, ...body: BodyOf<Op> extends undefined ? [] : [body: BodyOf<Op>]): Promise<ResponseOf<Op>> {
      return (api.call as (op: OperationId, args: unknown) => Promise<ResponseOf<Op>>)(op, { params, body: body[0] });
    },
  };
}

/**
 * The runner's first call: exchanges the execution's one-time bootstrap token
 * (RUNNER_BOOTSTRAP_TOKEN) for the run's session token, which also records the start, and
 * returns the client that uses the token with what the agent runs with. A random nonce, made
 * once and sent with every try, lets a retry after a lost answer get a new session token; a
 * second exchange without it is refused (409 `bootstrap_token_used`).
 */
export async function startRunnerSession(
  options: Omit<RunnerClientOptions, 'token'> & { bootstrapToken: string },
): Promise<{ client: RunnerClient; started: ResponseOf<'runnerStarted'> }> {
  const { bootstrapToken, ...rest } = options;
  const root = rest.apiUrl.replace(/\/$/, '');
  if (!root.endsWith(RUNNER_API_PATH)) throw new TypeError(`the runner API URL must end with ${RUNNER_API_PATH}: ${rest.apiUrl}`);
  const api = createClient({
    baseUrl: root.slice(0, -RUNNER_API_PATH.length),
    fetch: rest.fetch,
    retryStatus: (status) => status === 429 || status >= 500,
    maxAttempts: rest.maxAttempts ?? 6,
    baseDelayMs: rest.baseDelayMs ?? 200,
    timeoutMs: rest.timeoutMs ?? 15_000,
  });
  const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const { token, started } = await api.call('runnerSession', { params: { runId: rest.runId }, body: { bootstrapToken, nonce } });
  return { client: createRunnerClient({ ...rest, token }), started };
}
