import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { llmFromEnv, OpenAiCompatibleLlm } from '../src/llm.ts';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

describe('OpenAI-compatible LLM client (contract with a local server)', () => {
  it('posts chat completions with the model, messages and key, and returns the text', async () => {
    const seen: { auth?: string; body?: any; url?: string } = {};
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        Object.assign(seen, { auth: req.headers.authorization, body: JSON.parse(raw), url: req.url });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'Two sentences.' } }] }));
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const { port } = server!.address() as { port: number };
    const llm = new OpenAiCompatibleLlm(`http://127.0.0.1:${port}/v1`, 'small-model', 'sk-test');
    expect(await llm.complete('Summarise', { system: 'Be brief', maxTokens: 50 })).toBe('Two sentences.');
    expect(seen.url).toBe('/v1/chat/completions');
    expect(seen.auth).toBe('Bearer sk-test');
    expect(seen.body).toMatchObject({ model: 'small-model', max_tokens: 50, messages: [{ role: 'system' }, { role: 'user', content: 'Summarise' }] });
  });

  it('is absent unless a base URL and model are configured', () => {
    expect(llmFromEnv({})).toBeNull();
    expect(llmFromEnv({ LLM_BASE_URL: 'http://x' })).toBeNull();
    expect(llmFromEnv({ LLM_BASE_URL: 'http://x', LLM_MODEL: 'm' })?.model).toBe('m');
  });
});
