/**
 * The local stack's SMTP server: it accepts every message (no auth, no TLS: loopback only) and
 * captures each one as JSON under `<dir>/` instead of sending it, and serves a read-only HTTP
 * view of them: `GET /messages?to=<address>` (newest last), `GET /health`. Notification
 * email from the Functions emulator lands here; tests and the web app read it. Started by
 * scripts/lib/stack.ts as a process of the stack (stopped with it):
 *   node scripts/lib/mailOutbox.ts <smtp port> <http port> <dir>
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  id: string;
  receivedAt: string;
  /** The SMTP envelope: who the server was told to deliver to. */
  envelope: { from: string | null; to: string[] };
  from: string | null;
  to: string[];
  subject: string;
  text: string;
  headers: Record<string, string>;
}

const MAX_MESSAGE_BYTES = 1024 * 1024;
const LIST_LIMIT = 500;

const addresses = (a: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => (v.address ?? '').toLowerCase())).filter(Boolean);

/** Starts both servers; resolves once both listen. */
export async function startMailOutbox(options: { smtpPort: number; httpPort: number; dir: string; host?: string }): Promise<{ close(): Promise<void> }> {
  const host = options.host ?? '127.0.0.1';
  mkdirSync(options.dir, { recursive: true });
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    rejectOversized: true,
    banner: 'Agent Marketplace local outbox (nothing leaves this machine)',
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const id = `${Date.now()}-${randomUUID().slice(0, 8)}`;
          const headers: Record<string, string> = {};
          for (const line of mail.headerLines) headers[line.key] = line.line.slice(line.line.indexOf(':') + 1).trim();
          const captured: CapturedMail = {
            id,
            receivedAt: new Date().toISOString(),
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            },
            from: addresses(mail.from)[0] ?? null,
            to: addresses(mail.to),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            headers,
          };
          writeFileSync(path.join(options.dir, `${id}.json`), JSON.stringify(captured, null, 2));
          callback(null, `Queued as ${id}`);
        })
        .catch((err: unknown) => callback(err as Error));
    },
  });
  smtp.on('error', (err) => console.error(`[smtp] ${err.message}`));

  const list = (to: string | null): CapturedMail[] =>
    readdirSync(options.dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .slice(-LIST_LIMIT)
      .map((f) => JSON.parse(readFileSync(path.join(options.dir, f), 'utf8')) as CapturedMail)
      .filter((m) => !to || m.envelope.to.includes(to.toLowerCase()));

  const view = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    const send = (status: number, body: unknown) => {
      // Read by the web app from another local origin: a plain GET of public local test data.
      res.writeHead(status, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, { error: 'read-only' });
    if (url.pathname === '/health') return send(200, { ok: true });
    if (url.pathname === '/messages') return send(200, { messages: list(url.searchParams.get('to')) });
    return send(404, { error: 'not found' });
  });

  await Promise.all([
    new Promise<void>((resolve, reject) => {
      smtp.once('error', reject);
      smtp.listen(options.smtpPort, host, () => resolve());
    }),
    new Promise<void>((resolve, reject) => {
      view.once('error', reject);
      view.listen(options.httpPort, host, () => resolve());
    }),
  ]);
  return {
    close: () => Promise.all([new Promise<void>((r) => smtp.close(() => r())), new Promise<void>((r) => view.close(() => r()))]).then(() => undefined),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const [smtpPort, httpPort, dir] = process.argv.slice(2);
  const outbox = await startMailOutbox({ smtpPort: Number(smtpPort), httpPort: Number(httpPort), dir: path.resolve(dir ?? '.local/outbox') });
  console.log(`[mail] SMTP on 127.0.0.1:${smtpPort}, messages at http://127.0.0.1:${httpPort}/messages, stored in ${dir}`);
  const stop = () => {
    outbox.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
