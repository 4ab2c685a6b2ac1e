import { PublisherId } from '@agent-marketplace/contract/manifest';
import { describe, expect, it } from 'vitest';
import { checked, GLOBAL_OPTIONS, parseCommandLine } from '../src/args.ts';
import { UsageError } from '../src/errors.ts';
import { COMMANDS } from '../src/main.ts';
import { apiBase, settingsFrom } from '../src/settings.ts';
import { am } from './support.ts';

const parse = (argv: string[]) => parseCommandLine(argv, COMMANDS);
function usageErrorOf(argv: string[]): UsageError {
  try {
    parse(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error(`${argv.join(' ')} parsed`);
}

describe('the command line', () => {
  it('finds one- and two-word commands, with global options anywhere, and names the arguments', () => {
    const line = parse(['--api', 'http://x:1', 'members', 'add', 'acme', 'a@b.test', '--role', 'admin', '--json']);
    expect(line).toMatchObject({
      kind: 'run',
      command: { name: 'members add' },
      input: { args: { publisher: 'acme', email: 'a@b.test' }, opts: { role: 'admin' } },
      globals: { api: 'http://x:1', apiKey: undefined, json: true },
    });
    expect(parse(['members', 'acme'])).toMatchObject({ command: { name: 'members' }, input: { args: { publisher: 'acme' } } });
    expect(parse(['publishers'])).toMatchObject({ command: { name: 'publishers' }, globals: { json: false } });
    expect(parse(['publish', '--wait', '--api-key', 'k'])).toMatchObject({
      command: { name: 'publish' },
      input: { args: { dir: undefined }, opts: { wait: true, notes: undefined } },
      globals: { apiKey: 'k' },
    });
    expect(parse(['publish', 'agents/x', '--notes=NOTES.md'])).toMatchObject({ input: { args: { dir: 'agents/x' }, opts: { wait: false, notes: 'NOTES.md' } } });
  });

  it('asks for help: --help anywhere, -h, `help <command>`', () => {
    expect(parse(['--help'])).toEqual({ kind: 'help', command: null });
    expect(parse(['help'])).toEqual({ kind: 'help', command: null });
    expect(parse(['publish', '--help'])).toMatchObject({ kind: 'help', command: { name: 'publish' } });
    expect(parse(['-h', 'publishers', 'create'])).toMatchObject({ kind: 'help', command: { name: 'publishers create' } });
    expect(parse(['help', 'members', 'add'])).toMatchObject({ kind: 'help', command: { name: 'members add' } });
    // Help needs no required argument or option.
    expect(parse(['deprecate', '--help'])).toMatchObject({ kind: 'help', command: { name: 'deprecate' } });
  });

  it.each([
    [[], 'Name a command.', null],
    [['publsh'], 'Unknown command: publsh.', null],
    [['publishers', 'create'], 'Missing <id>.', 'publishers create'],
    [['version', 'my-agent', '--publisher', 'acme'], 'Missing <version>.', 'version'],
    [['publishers', 'extra'], 'Unexpected argument: extra.', 'publishers'],
    [['publishers', 'create', 'acme'], 'Missing --name <name>.', 'publishers create'],
    [['yank', 'a-agent', '1.0.0', '--publisher', 'acme'], 'Missing --reason <text>.', 'yank'],
    [['publishers', '--bogus'], "Unknown option '--bogus'.", 'publishers'],
    [['publish', '--notes'], "Option '--notes <value>' argument missing", 'publish'],
    [['publishers', '--json=yes'], "Option '--json' does not take an argument", 'publishers'],
    [['login', '--email'], "Option '--email <value>' argument missing", 'login'],
  ])('%j is a usage error: %s', (argv, message, command) => {
    const err = usageErrorOf(argv);
    expect(err.message).toContain(message);
    expect(err.command).toBe(command);
  });

  it('gives an option one type in every command (the first pass parses them all at once)', () => {
    const types = new Map<string, string>(Object.entries(GLOBAL_OPTIONS).map(([n, o]) => [n, o.type]));
    for (const c of COMMANDS) {
      for (const [name, o] of Object.entries(c.options)) {
        expect(types.get(name) ?? o.type, `--${name} of ${c.name}`).toBe(o.type);
        types.set(name, o.type);
      }
    }
  });

  it("checks arguments with the contract's schemas, naming each bad one", () => {
    expect(checked(PublisherId, 'acme', '<publisher>', 'members')).toBe('acme');
    expect(() => checked(PublisherId, 'Acme', '<publisher>', 'members')).toThrow(/^<publisher>: lowercase letters, digits and dashes \(got "Acme"\)\.$/);
  });
});

describe('exit codes and output of usage errors', () => {
  it('a usage error exits 2 with the usage line on stderr and nothing on stdout', async () => {
    const r = await am(['publishers', 'create', 'acme']);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toBe("agent-marketplace: Missing --name <name>.\nUsage: agent-marketplace publishers create <id> --name <name>\nRun 'agent-marketplace publishers create --help' for more.\n");
  });

  it('a bad id is a usage error before any request', async () => {
    const r = await am(['versions', 'My_Agent', '--publisher', 'acme', '--api', 'http://127.0.0.1:9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('<agentId>: lowercase letters, digits and dashes');
  });

  it('under --json, a usage error is a JSON object on stderr', async () => {
    const r = await am(['--json', 'publsh']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'usage', message: 'Unknown command: publsh.' } });
  });

  it('help exits 0 on stdout: the overview lists every command, a command lists its options', async () => {
    const all = await am(['--help']);
    expect(all.code).toBe(0);
    for (const c of COMMANDS) expect(all.stdout).toContain(`  ${c.name}`);
    const one = await am(['publish', '--help']);
    expect(one).toMatchObject({ code: 0, stderr: '' });
    expect(one.stdout).toMatch(/^Usage: agent-marketplace publish \[dir\] \[options\]\n/);
    for (const o of ['--notes <file>', '--wait', '--inline-max <bytes>', '--api <url>', '--json']) expect(one.stdout).toContain(o);
  });

  it('a bad --api is a usage error', async () => {
    expect((await am(['publishers', '--api', 'not a url'])).code).toBe(2);
    expect((await am(['publishers', '--api', 'ftp://x'])).stderr).toContain('must be an http(s) URL');
  });
});

describe('settings', () => {
  it('flags over the environment over defaults; the API base loses a trailing / and /v1', () => {
    expect(settingsFrom({}, { HOME: '/home/u' })).toEqual({
      apiUrl: 'http://127.0.0.1:5000',
      apiKey: 'demo-api-key',
      configDir: '/home/u/.config/agent-marketplace',
      authEmulatorHost: null,
      token: null,
    });
    const env = { HOME: '/h', AM_API_URL: 'https://env.test/v1/', AM_FIREBASE_API_KEY: 'env-key', AM_CONFIG_DIR: '/cfg', FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9099', AM_TOKEN: 't' };
    expect(settingsFrom({}, env)).toEqual({ apiUrl: 'https://env.test', apiKey: 'env-key', configDir: '/cfg', authEmulatorHost: '127.0.0.1:9099', token: 't' });
    expect(settingsFrom({ api: 'https://flag.test/prefix/', apiKey: 'flag-key' }, env)).toMatchObject({ apiUrl: 'https://flag.test/prefix', apiKey: 'flag-key' });
    expect(apiBase('http://127.0.0.1:5000/v1')).toBe('http://127.0.0.1:5000');
    expect(() => apiBase('http://x/?a=1')).toThrow(UsageError);
  });
});
