import { urls } from './stack.ts';

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  contentType: string;
}

export interface CallOptions {
  token?: string | undefined;
  body?: unknown;
  /** Sent as is, without JSON encoding. */
  raw?: string | Buffer;
  headers?: Record<string, string>;
  /** Defaults to the Hosting URL (`/v1/**` rewritten to the function). */
  base?: string;
}

/** One API call; `path` starts with `/`, relative to `/v1`. */
export async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['Authorization'] = `Bearer ${options.token}`;
  let body: string | Buffer | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['Content-Type'] ??= 'application/json';
  const res = await fetch(`${options.base ?? urls.api}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // leave as text
  }
  return { status: res.status, headers: res.headers, body: parsed as T, contentType: res.headers.get('content-type') ?? '' };
}

/** Asserts nothing; returns the problem's code for compact expectations. */
export const codeOf = (r: Reply) => (r.body as { code?: string } | undefined)?.code;
