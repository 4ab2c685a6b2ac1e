import { z } from 'zod';
import type { CommandSpec } from '../args.ts';
import { authEndpoints, signInWithPassword } from '../auth.ts';
import type { Context } from '../context.ts';
import { credentialsPath, deleteCredentials, saveCredentials } from '../credentials.ts';
import { CliError, UsageError } from '../errors.ts';
import type { Io } from '../settings.ts';

/** The whole of stdin, minus one trailing newline (what `echo` and most secret stores add). */
async function readAll(stdin: Io['stdin']): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Asks on the terminal without echoing what is typed. */
function promptHidden(io: Io, prompt: string): Promise<string> {
  const stdin = io.stdin;
  io.stderr(prompt);
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr('\n');
    };
    const onData = (chunk: string | Buffer) => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return (finish(), resolve(value));
        if (ch === '\u0003') return (finish(), reject(new CliError('canceled', 'Canceled.')));
        value = ch === '\u007f' || ch === '\b' ? value.slice(0, -1) : value + ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

const Email = z.email().max(320);

export const login: CommandSpec<Context> = {
  name: 'login',
  args: [],
  summary: 'Sign in with email and password; keeps a refresh token for later commands',
  details: [
    'The password is asked for on the terminal, or read from stdin with --password-stdin.',
    'The refresh token is stored in $AM_CONFIG_DIR/credentials.json (default ~/.config/agent-marketplace), mode 0600.',
    'With FIREBASE_AUTH_EMULATOR_HOST set, signs in to the Auth emulator instead of Google.',
  ].join('\n'),
  options: {
    email: { type: 'string', value: 'email', description: "Your account's email", required: true },
    'password-stdin': { type: 'boolean', description: 'Read the password from stdin (for scripts)' },
  },
  async run(ctx, { opts }) {
    const email = Email.safeParse(opts['email']);
    if (!email.success) throw new UsageError(`--email: not an email address: ${String(opts['email'])}.`, 'login');
    let password: string;
    if (opts['password-stdin']) password = await readAll(ctx.io.stdin);
    else if (ctx.io.stdin.isTTY) password = await promptHidden(ctx.io, 'Password: ');
    else throw new UsageError('stdin is not a terminal: pipe the password in with --password-stdin.', 'login');
    if (!password) throw new UsageError('The password is empty.', 'login');

    const session = await signInWithPassword(authEndpoints(ctx.settings), email.data, password);
    const file = await saveCredentials(ctx.settings.configDir, {
      email: session.email || email.data,
      uid: session.uid,
      refreshToken: session.refreshToken,
      savedAt: new Date().toISOString(),
    });
    if (ctx.settings.token) ctx.note('note: AM_TOKEN is set, so later commands use it rather than this sign-in.');
    ctx.result({ email: session.email || email.data, uid: session.uid, credentials: file }, `Signed in as ${session.email || email.data} (${session.uid}).\n`);
  },
};

export const logout: CommandSpec<Context> = {
  name: 'logout',
  args: [],
  summary: 'Forget the stored sign-in',
  details: 'Deletes the stored refresh token. To end every session of the account, change its password.',
  options: {},
  async run(ctx) {
    const existed = await deleteCredentials(ctx.settings.configDir);
    const file = credentialsPath(ctx.settings.configDir);
    ctx.result({ signedOut: existed, credentials: file }, existed ? `Signed out: removed ${file}.\n` : 'Not signed in.\n');
  },
};
