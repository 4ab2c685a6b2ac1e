import { createRequire } from 'node:module';
import { MAX_BODY_BYTES } from '@agent-marketplace/contract';

/**
 * Cloud Functions (the Functions Framework in production, the emulator's runtime locally)
 * parses every body with body-parser before our handler runs: `json` (also for CloudEvents),
 * `text`, `urlencoded` and `raw` for any type, each with a limit of 32 MB or more, and
 * answers a refused body with its own HTML. Our contract is a 1 MiB cap and problem+json
 * with a stable code, so we wrap each of the host's parser factories:
 * - a declared Content-Length over the cap is refused before a byte is read or parsed, and no
 *   later parser reads it either (the router answers 413, and the connection is closed rather
 *   than drained);
 * - otherwise the parser runs with our cap as its limit, so a chunked or compressed body stops
 *   being read (or inflated) at 1 MiB;
 * - a refusal (too large, malformed JSON, unknown encoding or charset) is recorded on the
 *   request and the request continues to the router, which answers it properly.
 * Both hosts look up `bodyParser.<type>` after loading the function's module, so patching the
 * already-loaded body-parser instances at import time takes effect.
 */
type Middleware = (req: Record<string, unknown>, res: unknown, next: (err?: unknown) => void) => void;
type Factory = (opts?: Record<string, unknown>) => Middleware;

const FACTORIES = ['json', 'text', 'urlencoded', 'raw'] as const;

/** The host's parser refusals we answer ourselves, by body-parser's error `type`. */
const TOO_LARGE = new Set(['entity.too.large']);
const BAD_ENCODING = new Set(['encoding.unsupported', 'charset.unsupported']);

function declaredLength(req: Record<string, unknown>): number {
  const headers = req['headers'] as Record<string, string | undefined> | undefined;
  const value = Number(headers?.['content-length']);
  return Number.isFinite(value) ? value : 0;
}

function guard(original: Factory, kind: (typeof FACTORIES)[number]): Factory {
  return (opts) => {
    let rawBody: Buffer | undefined;
    const verify = opts?.['verify'] as ((req: unknown, res: unknown, buf: Buffer, enc: string) => void) | undefined;
    const inner = original({
      ...opts,
      limit: MAX_BODY_BYTES,
      verify: (req: unknown, res: unknown, buf: Buffer, enc: string) => {
        rawBody = buf;
        verify?.(req, res, buf, enc);
      },
    });
    return (req, res, next) => {
      if (req['bodyTooLarge'] || req['bodyEncodingRefused']) return next();
      if (declaredLength(req) > MAX_BODY_BYTES) {
        req['bodyTooLarge'] = true;
        return next();
      }
      inner(req, res, (err?: unknown) => {
        const type = (err as { type?: string } | undefined)?.type ?? '';
        if (!err) return next();
        req['body'] = undefined;
        if (TOO_LARGE.has(type)) req['bodyTooLarge'] = true;
        else if (BAD_ENCODING.has(type)) req['bodyEncodingRefused'] = true;
        else if (type === 'entity.parse.failed' && kind === 'json') {
          req['jsonParseFailed'] = true;
          req['rawBody'] ??= rawBody;
        } else return next(err);
        next();
      });
    };
  };
}

export function guardHostBodyParser(): number {
  const require = createRequire(import.meta.url);
  let patched = 0;
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!/[\\/]body-parser[\\/]index\.js$/.test(file) || !mod) continue;
    const exports = mod.exports as Record<string, unknown> & { __amGuarded?: boolean };
    if (exports.__amGuarded) continue;
    for (const kind of FACTORIES) {
      const original = exports[kind] as Factory | undefined;
      if (typeof original !== 'function') continue;
      Object.defineProperty(exports, kind, { configurable: true, enumerable: true, value: guard(original, kind) });
    }
    exports.__amGuarded = true;
    patched += 1;
  }
  return patched;
}
