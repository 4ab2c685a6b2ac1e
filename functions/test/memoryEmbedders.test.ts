import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { embedLocally, features, fnv1a32, LOCAL_EMBEDDER_DIMENSIONS, LOCAL_EMBEDDER_MODEL, LocalEmbedder } from '../src/adapters/memory/localEmbedder.ts';
import { embedderFor } from '../src/adapters/memory/embedderFor.ts';
import { OpenAiEmbedder, retryAfterMs, type OpenAiEmbedderOptions } from '../src/adapters/memory/openAiEmbedder.ts';
import { AppError } from '../src/domain/errors.ts';
import type { Embedder } from '../src/domain/memory/embedder.ts';
import { cosineSimilarity, norm, scoreFromSimilarity } from '../src/domain/memory/vectors.ts';

const score = (a: number[], b: number[]) => scoreFromSimilarity(cosineSimilarity(a, b));

describe('local embedder', () => {
  it('hashes with FNV-1a (the published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('features: words, adjacent pairs and marked character trigrams, lower-cased', () => {
    expect(features('Stop VM').map(([f]) => f)).toEqual(['w:stop', 'b:stop vm', 'c:#st', 'c:sto', 'c:top', 'c:op#', 'w:vm', 'c:#vm', 'c:vm#']);
    expect(features('!!!')).toEqual([['r:!!!', 1]]);
  });

  it('is deterministic: the same text gives the same vector, across instances, with pinned values', async () => {
    const a = await new LocalEmbedder().embed(['stop idle VM', 'Ünïcödé text, 日本語']);
    const b = await new LocalEmbedder().embed(['stop idle VM', 'Ünïcödé text, 日本語']);
    expect(a).toEqual(b);
    // Pinned, so a change to the hashing (which would orphan every stored local vector) fails here.
    const v = embedLocally('stop idle VM');
    const nonZero = v.map((x, i) => [i, Math.round(x * 1e6) / 1e6] as const).filter(([, x]) => x !== 0);
    expect(nonZero.length).toBeGreaterThan(10);
    expect(nonZero.slice(0, 3)).toEqual([
      [42, -0.135804],
      [45, 0.316875],
      [55, -0.452679],
    ]);
  });

  it('gives unit vectors of 256 dimensions, even for text without words', async () => {
    const e: Embedder = new LocalEmbedder();
    expect([e.model, e.dimensions]).toEqual([LOCAL_EMBEDDER_MODEL, LOCAL_EMBEDDER_DIMENSIONS]);
    for (const v of await e.embed(['a', 'stop idle VM', '!!!', '', 'x '.repeat(5000)])) {
      expect(v).toHaveLength(256);
      expect(norm(v)).toBeCloseTo(1, 10);
    }
    const small = new LocalEmbedder(64);
    expect(small.model).toBe('local-hash-v1-64');
    expect((await small.embed(['x']))[0]).toHaveLength(64);
    expect(() => new LocalEmbedder(3)).toThrow(/16 to 2048/);
  });

  // Each query, a text that is related by its words, and texts that are not.
  const labelled: { query: string; related: string; unrelated: string[] }[] = [
    { query: 'stop idle VM', related: 'idle VM stopped', unrelated: ['monthly invoice for storage buckets', 'rotate the database password'] },
    { query: 'cost anomaly in BigQuery spend', related: 'BigQuery spend anomaly detected', unrelated: ['human rejected stopping vm-123', 'certificate expires next week'] },
    { query: 'human rejected stopping vm-123', related: 'stopping vm-123 was rejected by a human', unrelated: ['BigQuery spend anomaly detected', 'idle disks in us-east1'] },
    { query: 'unattached disks in europe-west1', related: 'disks unattached for 30 days in europe-west1', unrelated: ['stop idle VM', 'weekly cost report sent'] },
    { query: 'TLS certificate expiring', related: 'certificate for api.example.com expires in 5 days', unrelated: ['idle VM stopped', 'BigQuery slots underused'] },
  ];

  it('scores related texts above unrelated ones on a labelled set', async () => {
    const e = new LocalEmbedder();
    for (const { query, related, unrelated } of labelled) {
      const [q, r, ...others] = await e.embed([query, related, ...unrelated]);
      const relatedScore = score(q!, r!);
      for (const [i, o] of others.entries()) expect(relatedScore, `${query} | ${related} vs ${unrelated[i]}`).toBeGreaterThan(score(q!, o) + 0.1);
      expect(relatedScore).toBeGreaterThan(0.6);
    }
  });

  it('is lexical, as its header says: a paraphrase in other words scores near unrelated', () => {
    const q = embedLocally('stop idle VM');
    expect(score(q, embedLocally('idle VM stopped'))).toBeGreaterThan(0.75);
    expect(score(q, embedLocally('shut down unused server'))).toBeLessThan(0.65);
  });
});

describe('OpenAI-compatible embedder against a local server', () => {
  interface Seen {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: { model: string; input: string[]; dimensions?: number };
  }
  type Answer = { status: number; headers?: Record<string, string>; body: unknown };
  let server: http.Server;
  let baseUrl: string;
  let seen: Seen[];
  /** Answers by call number (0-based); the last one repeats. */
  let answers: ((req: Seen, call: number) => Answer)[];
  let slept: number[];

  /** A fake embedding for a text, of `dims` dimensions: the text's position and length, so order mistakes show. */
  const fakeVector = (text: string, dims: number) => Array.from({ length: dims }, (_, i) => (i === 0 ? text.length : i === 1 ? Number(text.replace(/\D/g, '') || 0) : 0.5));
  const ok = (dims = 4, shuffle = false) => (req: Seen): Answer => {
    const data = req.body.input.map((text, index) => ({ object: 'embedding', index, embedding: fakeVector(text, dims) }));
    if (shuffle) data.reverse();
    return { status: 200, body: { object: 'list', data, model: req.body.model, usage: { prompt_tokens: 1, total_tokens: 1 } } };
  };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (raw += chunk));
      req.on('end', () => {
        const entry: Seen = { method: req.method!, url: req.url!, headers: req.headers, body: JSON.parse(raw) };
        seen.push(entry);
        const call = seen.length - 1;
        const answer = (answers[Math.min(call, answers.length - 1)] ?? ok())(entry, call);
        res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.headers ?? {}) });
        res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  beforeEach(() => {
    seen = [];
    answers = [ok()];
    slept = [];
  });

  const API_KEY = 'sk-test-SECRETSECRETSECRET1234';
  const embedder = (o: Partial<OpenAiEmbedderOptions> = {}) =>
    new OpenAiEmbedder({
      baseUrl: `${baseUrl}/`,
      apiKey: API_KEY,
      model: 'text-embedding-3-small',
      dimensions: 4,
      sleep: async (ms) => void slept.push(ms),
      random: () => 1,
      baseDelayMs: 100,
      maxDelayMs: 5_000,
      maxAttempts: 4,
      ...o,
    });

  const rejection = async (p: Promise<unknown>): Promise<AppError> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  };

  it('posts {model, input} to {baseUrl}/embeddings with the bearer key, and returns one vector per text in order', async () => {
    const vectors = await embedder().embed(['a1', 'bb2']);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: ['a1', 'bb2'] } });
    expect(Object.keys(seen[0]!.body).sort()).toEqual(['input', 'model']);
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(vectors).toEqual([fakeVector('a1', 4), fakeVector('bb2', 4)]);
    await embedder({ requestDimensions: true, apiKey: undefined }).embed(['x']);
    expect(seen[1]!.body.dimensions).toBe(4);
    expect(seen[1]!.headers.authorization).toBeUndefined();
  });

  it('sends nothing for no texts', async () => {
    expect(await embedder().embed([])).toEqual([]);
    expect(seen).toHaveLength(0);
  });

  it('batches 200 inputs into 3 calls (96, 96, 8), answers out of order, results in input order', async () => {
    answers = [ok(4, true)];
    const texts = Array.from({ length: 200 }, (_, i) => `text ${i}`);
    const vectors = await embedder().embed(texts);
    expect(seen.map((s) => s.body.input.length)).toEqual([96, 96, 8]);
    expect(seen[1]!.body.input[0]).toBe('text 96');
    expect(vectors).toHaveLength(200);
    expect(vectors.map((v) => v[1])).toEqual(texts.map((_, i) => i));
  });

  it('retries a 429, waiting what Retry-After says, then succeeds', async () => {
    answers = [() => ({ status: 429, headers: { 'retry-after': '2' }, body: { error: { message: 'Rate limit reached' } } }), ok()];
    const vectors = await embedder().embed(['x']);
    expect(vectors).toHaveLength(1);
    expect(seen).toHaveLength(2);
    expect(slept).toEqual([2000]);
  });

  it('backs off exponentially on 5xx without Retry-After, and gives up after maxAttempts', async () => {
    answers = [() => ({ status: 503, body: 'upstream down' })];
    const err = await rejection(embedder().embed(['x']));
    expect([err.kind, err.code]).toEqual(['unavailable', 'embedder_unavailable']);
    expect(err.message).toMatch(/answered 503 4 times: upstream down/);
    expect(seen).toHaveLength(4);
    expect(slept).toEqual([100, 200, 400]);
  });

  it('does not wait out a Retry-After longer than maxDelayMs: fails at once, passing it on', async () => {
    answers = [() => ({ status: 429, headers: { 'retry-after': '60' }, body: {} })];
    const err = await rejection(embedder().embed(['x']));
    expect([err.code, err.retryAfterSeconds]).toEqual(['embedder_unavailable', 60]);
    expect(seen).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it('fails a 400 at once with the provider message, and never shows the API key', async () => {
    answers = [
      () => ({
        status: 400,
        body: { error: { message: `This model's maximum context length is 8192 tokens (key ${API_KEY}, Authorization: Bearer ${API_KEY})`, type: 'invalid_request_error' } },
      }),
    ];
    const err = await rejection(embedder().embed(['x']));
    expect([err.kind, err.code]).toEqual(['unprocessable', 'embedder_refused_input']);
    expect(err.message).toMatch(/^The embeddings endpoint refused the input \(400\): This model's maximum context length is 8192 tokens/);
    expect(err.message).not.toContain('SECRET');
    expect(seen).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it('a 401 is the platform configuration, not the caller: unavailable, key masked', async () => {
    answers = [() => ({ status: 401, body: { error: { message: 'Incorrect API key provided: sk-test-SECRE**************1234.' } } })];
    const err = await rejection(embedder().embed(['x']));
    expect([err.kind, err.code]).toEqual(['unavailable', 'embedder_misconfigured']);
    expect(err.message).toContain('Incorrect API key provided: [redacted]');
    expect(err.message).not.toContain('SECRE');
  });

  it('refuses a vector of the wrong dimension, naming both', async () => {
    answers = [ok(3)];
    const err = await rejection(embedder().embed(['x']));
    expect(err.code).toBe('memory_dimension_mismatch');
    expect(err.message).toMatch(/has 3 dimensions; this memory holds 4-dimension embeddings/);
  });

  it('refuses answers of the wrong shape', async () => {
    const shapes: unknown[] = [
      'not json',
      { data: [] },
      { data: [{ index: 0, embedding: [1, 2, 3, 4] }, { index: 0, embedding: [1, 2, 3, 4] }] },
      { data: [{ index: 5, embedding: [1, 2, 3, 4] }, { index: 1, embedding: [1, 2, 3, 4] }] },
      { data: [{ index: 0, embedding: [1, 2, 3, 'x'] }, { index: 1, embedding: [1, 2, 3, 4] }] },
    ];
    for (const body of shapes) {
      answers = [() => ({ status: 200, body })];
      const err = await rejection(embedder().embed(['a', 'b']));
      expect(err.code, JSON.stringify(body)).toBe('embedder_bad_response');
    }
  });

  it('retries when the endpoint cannot be reached', async () => {
    const closed = new OpenAiEmbedder({ baseUrl: 'http://127.0.0.1:9/v1', apiKey: API_KEY, model: 'm', dimensions: 4, sleep: async (ms) => void slept.push(ms), random: () => 0, baseDelayMs: 100, maxAttempts: 3 });
    const err = await rejection(closed.embed(['x']));
    expect(err.code).toBe('embedder_unavailable');
    expect(err.message).toMatch(/could not be reached after 3 attempts/);
    expect(slept).toEqual([50, 100]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('0.5', now)).toBe(500);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });

  it('refuses a configuration outside Firestore and batch limits', () => {
    expect(() => embedder({ dimensions: 4096 })).toThrow(/2048/);
    expect(() => embedder({ batchSize: 97 })).toThrow(/1 to 96/);
  });
});

describe('the configured embedder (MEMORY_EMBEDDINGS_URL)', () => {
  const config = { memoryEmbeddingsUrl: '', memoryEmbeddingsModel: 'text-embedding-3-small', memoryEmbeddingDimensions: 1536 };

  it('is the offline local embedder when no endpoint is configured, and never reads the key', async () => {
    const embedder = await embedderFor(config, () => {
      throw new Error('the key was read');
    });
    expect(embedder).toBeInstanceOf(LocalEmbedder);
    expect([embedder.model, embedder.dimensions]).toEqual([LOCAL_EMBEDDER_MODEL, LOCAL_EMBEDDER_DIMENSIONS]);
  });

  it('is the OpenAI-compatible client with the model, dimensions and key configured', async () => {
    const seen: { url: string; auth: string | null; body: { model: string; dimensions?: number } }[] = [];
    const server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as { model: string; input: string[]; dimensions?: number };
        seen.push({ url: req.url ?? '', auth: req.headers.authorization ?? null, body });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: body.input.map((_, index) => ({ index, embedding: Array.from({ length: 8 }, (_, i) => i + 1) })) }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const openAi = await embedderFor({ memoryEmbeddingsUrl: base, memoryEmbeddingsModel: 'text-embedding-3-large', memoryEmbeddingDimensions: 8 }, () => 'sk-test');
      expect(openAi).toBeInstanceOf(OpenAiEmbedder);
      expect(await openAi.embed(['a'])).toHaveLength(1);
      // Another compatible server's model: no `dimensions` asked (not all accept it); no key: no header.
      const other = await embedderFor({ memoryEmbeddingsUrl: base, memoryEmbeddingsModel: 'nomic-embed-text', memoryEmbeddingDimensions: 8 }, () => '');
      await other.embed(['b']);
      expect(seen).toEqual([
        { url: '/v1/embeddings', auth: 'Bearer sk-test', body: { model: 'text-embedding-3-large', input: ['a'], dimensions: 8 } },
        { url: '/v1/embeddings', auth: null, body: { model: 'nomic-embed-text', input: ['b'] } },
      ]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
