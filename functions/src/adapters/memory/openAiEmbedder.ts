import { AppError } from '../../domain/errors.js';
import type { Embedder } from '../../domain/memory/embedder.js';
import { dimensionMismatch, MAX_VECTOR_DIMENSIONS } from '../../domain/memory/vectors.js';

/**
 * An OpenAI-compatible embeddings client: `POST {baseUrl}/embeddings` with `{model, input}`,
 * answered by `{data: [{index, embedding}]}` in any order (sorted here by index). Inputs go in
 * batches of at most `batchSize` (96 by default), one batch after another. 429 and 5xx (and
 * network failures and timeouts) are retried with exponential backoff, honouring Retry-After
 * when the server sends one; a Retry-After longer than `maxDelayMs` is not waited out: the
 * call fails at once as unavailable, with that Retry-After, so a run never sleeps for minutes.
 * Other 4xx fail at once. Every vector is checked against the configured dimensions.
 *
 * Errors are AppErrors whose messages never hold the API key (the provider's own error text is
 * quoted, with the key and anything like a bearer token masked).
 */

export interface OpenAiEmbedderOptions {
  /** e.g. https://api.openai.com/v1 (no trailing /embeddings). */
  baseUrl: string;
  apiKey?: string;
  model: string;
  dimensions: number;
  /** Send `dimensions` in the request (text-embedding-3 models can shorten their vectors). */
  requestDimensions?: boolean;
  /** At most this many inputs per call: 1..96. */
  batchSize?: number;
  /** Attempts per batch, the first included. */
  maxAttempts?: number;
  baseDelayMs?: number;
  /** The longest single wait; a longer Retry-After fails the call instead. */
  maxDelayMs?: number;
  /** Per attempt. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** 0..1; backoff waits between half and all of the exponential step. */
  random?: () => number;
  now?: () => number;
  fetch?: typeof fetch;
}

export const MAX_EMBEDDING_BATCH = 96;

const RETRYABLE = (status: number) => status === 429 || status >= 500;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Seconds or an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export class OpenAiEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  private readonly url: string;
  private readonly o: Required<Omit<OpenAiEmbedderOptions, 'apiKey' | 'baseUrl' | 'model' | 'dimensions'>> & { apiKey: string | undefined };

  constructor(options: OpenAiEmbedderOptions) {
    if (!Number.isInteger(options.dimensions) || options.dimensions < 1 || options.dimensions > MAX_VECTOR_DIMENSIONS) {
      throw new Error(`Embedding dimensions must be 1 to ${MAX_VECTOR_DIMENSIONS} (Firestore's vector limit), not ${options.dimensions}.`);
    }
    const batchSize = options.batchSize ?? MAX_EMBEDDING_BATCH;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_EMBEDDING_BATCH) throw new Error(`batchSize must be 1 to ${MAX_EMBEDDING_BATCH}.`);
    this.model = options.model;
    this.dimensions = options.dimensions;
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/embeddings`;
    this.o = {
      apiKey: options.apiKey,
      requestDimensions: options.requestDimensions ?? false,
      batchSize,
      maxAttempts: Math.max(1, options.maxAttempts ?? 5),
      baseDelayMs: options.baseDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 20_000,
      timeoutMs: options.timeoutMs ?? 30_000,
      sleep: options.sleep ?? defaultSleep,
      random: options.random ?? Math.random,
      now: options.now ?? Date.now,
      fetch: options.fetch ?? fetch,
    };
  }

  async embed(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let start = 0; start < texts.length; start += this.o.batchSize) {
      out.push(...(await this.embedBatch(texts.slice(start, start + this.o.batchSize))));
    }
    return out;
  }

  private async embedBatch(input: string[]): Promise<number[][]> {
    const body = JSON.stringify({ model: this.model, input, ...(this.o.requestDimensions ? { dimensions: this.dimensions } : {}) });
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await this.o.fetch(this.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.o.timeoutMs) });
      } catch (err) {
        if (attempt >= this.o.maxAttempts) throw unavailable(`The embeddings endpoint could not be reached after ${attempt} attempts (${this.mask(errorName(err))}).`);
        await this.o.sleep(this.backoff(attempt));
        continue;
      }
      if (res.ok) return this.vectorsOf(await readJson(res), input.length);
      const text = await res.text().catch(() => '');
      if (!RETRYABLE(res.status)) throw this.refused(res.status, text);
      const asked = retryAfterMs(res.headers.get('retry-after'), this.o.now());
      if (asked !== null && asked > this.o.maxDelayMs) {
        throw unavailable(`The embeddings endpoint is busy (${res.status}) and asks to wait ${Math.ceil(asked / 1000)} s.`, Math.ceil(asked / 1000));
      }
      if (attempt >= this.o.maxAttempts) {
        throw unavailable(`The embeddings endpoint answered ${res.status} ${attempt} times: ${this.providerMessage(text)}`, asked === null ? undefined : Math.ceil(asked / 1000));
      }
      await this.o.sleep(asked ?? this.backoff(attempt));
    }
  }

  /** Exponential, between half and all of baseDelayMs · 2^(attempt−1), at most maxDelayMs. */
  private backoff(attempt: number): number {
    const step = Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(step / 2 + (step / 2) * this.o.random());
  }

  private vectorsOf(json: unknown, count: number): number[][] {
    const data = (json as { data?: unknown } | null)?.data;
    if (!Array.isArray(data) || data.length !== count) {
      throw badResponse(`expected ${count} embeddings, got ${Array.isArray(data) ? data.length : 'no data array'}`);
    }
    const out = new Array<number[] | undefined>(count);
    for (const entry of data as { index?: unknown; embedding?: unknown }[]) {
      const index = entry?.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count || out[index]) {
        throw badResponse(`an embedding has a missing, repeated or out-of-range index (${String(index)})`);
      }
      const v = entry.embedding;
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw badResponse(`embedding ${index} is not an array of numbers`);
      if (v.length !== this.dimensions) throw dimensionMismatch(this.dimensions, v.length, `embedding from model "${this.model}"`);
      out[index] = v as number[];
    }
    return out as number[][];
  }

  private refused(status: number, text: string): AppError {
    const detail = this.providerMessage(text);
    // The input itself was refused (too long, empty): the caller can change it.
    if (status === 400 || status === 413 || status === 422) {
      return new AppError('unprocessable', 'embedder_refused_input', `The embeddings endpoint refused the input (${status}): ${detail}`);
    }
    // 401, 403, 404...: the platform's configuration, not the caller's input.
    return new AppError('unavailable', 'embedder_misconfigured', `The embeddings endpoint refused the request (${status}): ${detail}`);
  }

  /** The provider's error message (OpenAI: error.message), short, with secrets masked. */
  private providerMessage(text: string): string {
    let message = text;
    try {
      const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
      const m = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
      if (typeof m === 'string') message = m;
    } catch {
      // Not JSON: the text as it came.
    }
    message = this.mask(message.replace(/\s+/g, ' ').trim());
    if (message === '') return 'no detail given.';
    return message.length > 300 ? `${message.slice(0, 300)}…` : message;
  }

  private mask(text: string): string {
    let out = text;
    if (this.o.apiKey) out = out.split(this.o.apiKey).join('[redacted]');
    return out.replace(/\b(sk|pk|rk)-[A-Za-z0-9_*-]{8,}/g, '[redacted]').replace(/Bearer\s+\S+/gi, 'Bearer [redacted]');
  }
}

const unavailable = (message: string, retryAfterSeconds?: number) =>
  new AppError('unavailable', 'embedder_unavailable', message, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });

const badResponse = (what: string) => new AppError('unavailable', 'embedder_bad_response', `The embeddings endpoint answered in an unexpected shape: ${what}.`);

const errorName = (err: unknown) => (err instanceof Error ? (err.name === 'TimeoutError' ? 'timed out' : err.message) : String(err));

async function readJson(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    throw badResponse('the body is not JSON');
  }
}
