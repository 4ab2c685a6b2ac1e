/**
 * HTTP client for the runner API (`/v1/runner/runs/{runId}/...`), with retries and
 * exponential backoff with jitter on network errors, 429 and 5xx. 4xx answers are final.
 */
export class RunnerApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'RunnerApiError';
    this.status = status;
    this.code = code;
  }
}

export interface RunnerClientOptions {
  baseUrl: string;
  runId: string;
  token: string;
  maxAttempts?: number;
  baseDelayMs?: number;
  fetch?: typeof fetch;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RunnerClient {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly fetchImpl: typeof fetch;

  private readonly options: RunnerClientOptions;

  constructor(options: RunnerClientOptions) {
    this.options = options;
    this.maxAttempts = options.maxAttempts ?? 6;
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.fetchImpl = options.fetch ?? fetch;
  }

  async post(action: 'started' | 'logs' | 'heartbeat' | 'complete' | 'secrets' | 'artifacts' | 'sandbox/state' | 'sandbox/actions', body: unknown): Promise<unknown> {
    const url = `${this.options.baseUrl.replace(/\/$/, '')}/runs/${encodeURIComponent(this.options.runId)}/${action}`;
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      try {
        const res = await this.fetchImpl(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.options.token}` },
          body: JSON.stringify(body ?? {}),
          signal: AbortSignal.timeout(15_000),
        });
        if (res.ok) return (await res.json()) as unknown;
        const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
        const err = new RunnerApiError(res.status, problem.code ?? 'http_error', problem.detail ?? `HTTP ${res.status}`);
        if (res.status !== 429 && res.status < 500) throw err;
        lastError = err;
      } catch (err) {
        if (err instanceof RunnerApiError && err.status !== 429 && err.status < 500) throw err;
        lastError = err;
      }
      if (attempt < this.maxAttempts) {
        const delay = this.baseDelayMs * 2 ** (attempt - 1);
        await sleep(delay / 2 + Math.random() * (delay / 2));
      }
    }
    throw lastError;
  }
}
