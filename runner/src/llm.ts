/**
 * An optional language model, OpenAI-compatible chat completions. Present only when the
 * platform configures one (LLM_BASE_URL and LLM_MODEL); agents skip their LLM step otherwise.
 */
export interface LlmClient {
  readonly model: string;
  complete(prompt: string, options?: { system?: string; maxTokens?: number; signal?: AbortSignal }): Promise<string>;
}

export class OpenAiCompatibleLlm implements LlmClient {
  readonly model: string;
  private readonly baseUrl: string;
  private readonly apiKey: string | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(baseUrl: string, model: string, apiKey: string | undefined, fetchImpl: typeof fetch = fetch) {
    this.baseUrl = baseUrl;
    this.model = model;
    this.apiKey = apiKey;
    this.fetchImpl = fetchImpl;
  }

  async complete(prompt: string, options: { system?: string; maxTokens?: number; signal?: AbortSignal } = {}): Promise<string> {
    const messages = [...(options.system ? [{ role: 'system', content: options.system }] : []), { role: 'user', content: prompt }];
    const res = await this.fetchImpl(`${this.baseUrl.replace(/\/$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(this.apiKey ? { Authorization: `Bearer ${this.apiKey}` } : {}) },
      body: JSON.stringify({ model: this.model, messages, max_tokens: options.maxTokens ?? 512, temperature: 0 }),
      signal: options.signal ?? AbortSignal.timeout(60_000),
    });
    if (!res.ok) throw new Error(`LLM request failed: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
    const body = (await res.json()) as { choices?: { message?: { content?: string } }[] };
    const text = body.choices?.[0]?.message?.content;
    if (typeof text !== 'string') throw new Error('LLM response had no message content');
    return text;
  }
}

export function llmFromEnv(env: Record<string, string | undefined>): LlmClient | null {
  const base = env['LLM_BASE_URL'];
  const model = env['LLM_MODEL'];
  return base && model ? new OpenAiCompatibleLlm(base, model, env['LLM_API_KEY']) : null;
}
