import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authEndpoints, refreshSession } from '../src/auth.ts';
import { credentialsPath, deleteCredentials, loadCredentials, saveCredentials, type StoredCredentials } from '../src/credentials.ts';
import { CliError } from '../src/errors.ts';
import { am, fakeServer, scratch, type Routes } from './support.ts';

const SIGN_IN = 'POST /identitytoolkit.googleapis.com/v1/accounts:signInWithPassword';
const REFRESH = 'POST /securetoken.googleapis.com/v1/token';
const googleError = (message: string) => ({ status: 400, body: { error: { code: 400, message, errors: [{ message, domain: 'global', reason: 'invalid' }] } } });

/** The Identity Toolkit's and Secure Token's answers, as documented (camelCase, then snake_case with string seconds). */
const authRoutes = (over: Routes = {}): Routes => ({
  [SIGN_IN]: (hit) => {
    const { email, password } = hit.json();
    if (password !== 'correct horse') return googleError('INVALID_LOGIN_CREDENTIALS');
    return { status: 200, body: { kind: 'identitytoolkit#VerifyPasswordResponse', localId: 'uid-1', email, displayName: '', idToken: 'id-token-0', registered: true, refreshToken: 'refresh-0', expiresIn: '3600' } };
  },
  [REFRESH]: () => ({ status: 200, body: { access_token: 'id-token-1', expires_in: '3600', token_type: 'Bearer', refresh_token: 'refresh-0', id_token: 'id-token-1', user_id: 'uid-1', project_id: '1234' } }),
  'GET /v1/publishers': () => ({ status: 200, body: { items: [] } }),
  ...over,
});

const stored = (over: Partial<StoredCredentials> = {}): StoredCredentials => ({ email: 'dev@example.test', uid: 'uid-1', refreshToken: 'refresh-0', savedAt: '2026-01-01T00:00:00.000Z', ...over });

describe('the credentials file', () => {
  it('is written 0600 in a 0700 folder, and read back', async () => {
    const dir = join(scratch(), 'nested', 'agent-marketplace');
    const file = await saveCredentials(dir, stored());
    expect(file).toBe(credentialsPath(dir));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const warnings: string[] = [];
    expect(await loadCredentials(dir, (l) => warnings.push(l))).toEqual(stored());
    expect(warnings).toEqual([]);
  });

  it('replacing a file others could read leaves one only its owner can', async () => {
    const dir = scratch();
    writeFileSync(credentialsPath(dir), '{}', { mode: 0o644 });
    chmodSync(credentialsPath(dir), 0o644);
    await saveCredentials(dir, stored({ refreshToken: 'refresh-2' }));
    expect(statSync(credentialsPath(dir)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(credentialsPath(dir), 'utf8')).refreshToken).toBe('refresh-2');
  });

  it('warns when the file is readable by others; a file that is not ours is an error; none is null', async () => {
    const dir = scratch();
    expect(await loadCredentials(dir, () => {})).toBeNull();
    await saveCredentials(dir, stored());
    chmodSync(credentialsPath(dir), 0o644);
    const warnings: string[] = [];
    await loadCredentials(dir, (l) => warnings.push(l));
    expect(warnings).toEqual([expect.stringContaining('is readable by others (mode 644)')]);
    writeFileSync(credentialsPath(dir), '{"refreshToken": 5}');
    await expect(loadCredentials(dir, () => {})).rejects.toMatchObject({ code: 'credentials_unreadable' });
    writeFileSync(credentialsPath(dir), 'not json');
    await expect(loadCredentials(dir, () => {})).rejects.toBeInstanceOf(CliError);
  });

  it('am logout deletes it, and says when there was none', async () => {
    const dir = scratch();
    await saveCredentials(dir, stored());
    const out = await am(['logout', '--json'], { env: { AM_CONFIG_DIR: dir } });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ signedOut: true, credentials: credentialsPath(dir) });
    expect(existsSync(credentialsPath(dir))).toBe(false);
    expect(await am(['logout'], { env: { AM_CONFIG_DIR: dir } })).toMatchObject({ code: 0, stdout: 'Not signed in.\n' });
    expect(await deleteCredentials(dir)).toBe(false);
  });
});

describe('am login', () => {
  it('signs in with the Identity Toolkit request the REST API documents and stores the refresh token', async () => {
    const auth = await fakeServer(authRoutes());
    const dir = scratch();
    const out = await am(['login', '--email', 'dev@example.test', '--password-stdin', '--api-key', 'web-key', '--json'], {
      env: { FIREBASE_AUTH_EMULATOR_HOST: auth.host, AM_CONFIG_DIR: dir },
      stdin: 'correct horse\n',
    });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ email: 'dev@example.test', uid: 'uid-1', credentials: credentialsPath(dir) });

    expect(auth.hits).toHaveLength(1);
    const [hit] = auth.hits;
    expect(hit!.url).toBe('/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=web-key');
    expect(hit!.headers['content-type']).toBe('application/json');
    expect(hit!.json()).toEqual({ email: 'dev@example.test', password: 'correct horse', returnSecureToken: true });

    expect(statSync(credentialsPath(dir)).mode & 0o777).toBe(0o600);
    expect(await loadCredentials(dir, () => {})).toMatchObject({ email: 'dev@example.test', uid: 'uid-1', refreshToken: 'refresh-0' });
  });

  it('a wrong password exits 1 with invalid_credentials and stores nothing', async () => {
    const auth = await fakeServer(authRoutes());
    const dir = scratch();
    const out = await am(['login', '--email', 'dev@example.test', '--password-stdin'], { env: { FIREBASE_AUTH_EMULATOR_HOST: auth.host, AM_CONFIG_DIR: dir }, stdin: 'wrong\n' });
    expect(out.code).toBe(1);
    expect(out.stderr).toBe('error: invalid_credentials: Wrong email or password (INVALID_LOGIN_CREDENTIALS).\n');
    expect(existsSync(credentialsPath(dir))).toBe(false);
  });

  it('an unknown Firebase error keeps its text; an unreachable Auth says where it looked', async () => {
    const auth = await fakeServer(authRoutes({ [SIGN_IN]: () => googleError('API key not valid. Please pass a valid API key.') }));
    const out = await am(['login', '--email', 'dev@example.test', '--password-stdin', '--json'], { env: { FIREBASE_AUTH_EMULATOR_HOST: auth.host, AM_CONFIG_DIR: scratch() }, stdin: 'x' });
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stderr)).toEqual({ error: { code: 'auth_failed', message: 'Firebase Auth refused: API key not valid. Please pass a valid API key.' } });
    const gone = await am(['login', '--email', 'dev@example.test', '--password-stdin', '--json'], { env: { FIREBASE_AUTH_EMULATOR_HOST: '127.0.0.1:9', AM_CONFIG_DIR: scratch() }, stdin: 'x' });
    expect(gone.code).toBe(1);
    expect(JSON.parse(gone.stderr).error.code).toBe('auth_unreachable');
  });

  it('without --password-stdin and no terminal, or with an empty password, it is a usage error', async () => {
    expect((await am(['login', '--email', 'dev@example.test'], { stdin: 'pw\n' })).code).toBe(2);
    expect((await am(['login', '--email', 'dev@example.test', '--password-stdin'], { stdin: '\n' })).code).toBe(2);
    expect((await am(['login', '--email', 'not-an-email', '--password-stdin'], { stdin: 'x' })).code).toBe(2);
  });
});

describe('each command gets a fresh ID token', () => {
  it('from the stored refresh token, by the Secure Token request the REST API documents; the API sees it as the bearer', async () => {
    const server = await fakeServer(authRoutes());
    const dir = scratch();
    await saveCredentials(dir, stored());
    const out = await am(['publishers', '--api-key', 'web-key', '--api', server.base], { env: { FIREBASE_AUTH_EMULATOR_HOST: server.host, AM_CONFIG_DIR: dir } });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(server.hits.map((h) => h.route)).toEqual([REFRESH, 'GET /v1/publishers']);
    const [refresh, api] = server.hits;
    expect(refresh!.url).toBe('/securetoken.googleapis.com/v1/token?key=web-key');
    expect(refresh!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(refresh!.body.toString()))).toEqual({ grant_type: 'refresh_token', refresh_token: 'refresh-0' });
    expect(api!.headers.authorization).toBe('Bearer id-token-1');
  });

  it('one refresh serves every call of a command (a --wait polls many times)', async () => {
    const server = await fakeServer(authRoutes({ 'GET /v1/publishers/acme/members': () => ({ status: 200, body: { items: [] } }) }));
    const dir = scratch();
    await saveCredentials(dir, stored());
    const { idTokenSource } = await import('../src/session.ts');
    const source = idTokenSource({ apiUrl: server.base, apiKey: 'k', configDir: dir, authEmulatorHost: server.host, token: null }, () => {});
    expect([await source(), await source(), await source()]).toEqual(['id-token-1', 'id-token-1', 'id-token-1']);
    expect(server.of(REFRESH)).toHaveLength(1);
  });

  it('keeps a rotated refresh token', async () => {
    const server = await fakeServer(
      authRoutes({ [REFRESH]: () => ({ status: 200, body: { id_token: 'id-token-2', refresh_token: 'refresh-rotated', expires_in: '3600', token_type: 'Bearer', user_id: 'uid-1', project_id: '1' } }) }),
    );
    const dir = scratch();
    await saveCredentials(dir, stored());
    expect((await am(['publishers', '--api', server.base], { env: { FIREBASE_AUTH_EMULATOR_HOST: server.host, AM_CONFIG_DIR: dir } })).code).toBe(0);
    expect((await loadCredentials(dir, () => {}))!.refreshToken).toBe('refresh-rotated');
    expect(statSync(credentialsPath(dir)).mode & 0o777).toBe(0o600);
  });

  it('an expired sign-in exits 1 with signed_out, and the API is not called', async () => {
    const server = await fakeServer(authRoutes({ [REFRESH]: () => googleError('TOKEN_EXPIRED') }));
    const dir = scratch();
    await saveCredentials(dir, stored());
    const out = await am(['publishers', '--api', server.base, '--json'], { env: { FIREBASE_AUTH_EMULATOR_HOST: server.host, AM_CONFIG_DIR: dir } });
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stderr).error).toMatchObject({ code: 'signed_out', message: expect.stringContaining('run `agent-marketplace login` again') });
    expect(server.of('GET /v1/publishers')).toHaveLength(0);
  });

  it('not signed in: exit 1, not_signed_in, no request at all', async () => {
    const server = await fakeServer(authRoutes());
    const out = await am(['publishers', '--api', server.base], { env: { FIREBASE_AUTH_EMULATOR_HOST: server.host, AM_CONFIG_DIR: scratch() } });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^error: not_signed_in: Not signed in/);
    expect(server.hits).toEqual([]);
  });

  it('AM_TOKEN is sent as it is, with no refresh, even when credentials are stored', async () => {
    const server = await fakeServer(authRoutes());
    const dir = scratch();
    await saveCredentials(dir, stored());
    const out = await am(['publishers', '--api', server.base], { env: { FIREBASE_AUTH_EMULATOR_HOST: server.host, AM_CONFIG_DIR: dir, AM_TOKEN: 'ci-token' } });
    expect(out.code).toBe(0);
    expect(server.hits.map((h) => [h.route, h.headers.authorization])).toEqual([['GET /v1/publishers', 'Bearer ci-token']]);
  });

  it('without the emulator, Auth is Google: identitytoolkit and securetoken over HTTPS', async () => {
    expect(authEndpoints({ apiKey: 'a b', authEmulatorHost: null })).toEqual({
      signIn: 'https://identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=a%20b',
      refresh: 'https://securetoken.googleapis.com/v1/token?key=a%20b',
    });
    const server = await fakeServer(authRoutes({ [REFRESH]: () => ({ status: 200, body: { id_token: 'x' } }) }));
    await expect(refreshSession(authEndpoints({ apiKey: 'k', authEmulatorHost: server.host }), 'r')).rejects.toMatchObject({ code: 'auth_failed' });
  });
});
