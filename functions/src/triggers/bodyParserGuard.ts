import { createRequire } from 'node:module';

/**
 * Cloud Functions (the Functions Framework in production, the emulator's runtime locally)
 * parses JSON bodies with body-parser before our handler runs, and answers malformed JSON
 * with its own HTML 400. Our contract is problem+json with a stable code, so we wrap the
 * host's `json()` factory: a parse failure is recorded on the request (`jsonParseFailed`)
 * and the request continues with its raw body, for the router to answer properly.
 * Both hosts look up `bodyParser.json` after loading the function's module, so patching the
 * already-loaded body-parser instances at import time takes effect.
 */
type Middleware = (req: Record<string, unknown>, res: unknown, next: (err?: unknown) => void) => void;

export function guardHostBodyParser(): number {
  const require = createRequire(import.meta.url);
  let patched = 0;
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!/[\\/]body-parser[\\/]index\.js$/.test(file) || !mod) continue;
    const exports = mod.exports as Record<string, unknown> & { __amGuarded?: boolean };
    if (exports.__amGuarded) continue;
    const original = exports['json'] as ((opts?: unknown) => Middleware) | undefined;
    if (typeof original !== 'function') continue;
    Object.defineProperty(exports, 'json', {
      configurable: true,
      enumerable: true,
      value: (opts?: Record<string, unknown>) => {
        let rawBody: Buffer | undefined;
        const verify = opts?.['verify'] as ((req: unknown, res: unknown, buf: Buffer, enc: string) => void) | undefined;
        const inner = original({
          ...opts,
          verify: (req: unknown, res: unknown, buf: Buffer, enc: string) => {
            rawBody = buf;
            verify?.(req, res, buf, enc);
          },
        });
        const guarded: Middleware = (req, res, next) => {
          inner(req, res, (err?: unknown) => {
            const type = (err as { type?: string } | undefined)?.type;
            if (type === 'entity.parse.failed') {
              req['jsonParseFailed'] = true;
              req['rawBody'] ??= rawBody;
              req['body'] = undefined;
              return next();
            }
            next(err);
          });
        };
        return guarded;
      },
    });
    exports.__amGuarded = true;
    patched += 1;
  }
  return patched;
}
