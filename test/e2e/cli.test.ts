import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DeveloperVersion, Publisher } from '@agent-marketplace/contract';
import { afterAll, describe, expect, it } from 'vitest';
import { urls } from '../support/stack.ts';
import { signUpVerified } from '../support/users.ts';

/**
 * `am`, the developer CLI, as a developer runs it: the real process (`node cli/src/am.ts`)
 * against the stack, signing in to the Auth emulator with the stack's web API key and
 * publishing through Hosting's `/v1`.
 */
const AM = path.resolve(import.meta.dirname, '../../cli/src/am.ts');
const SEEDED_AGENT = path.resolve(import.meta.dirname, '../../agents/idle-vm-reaper');
const scratch = mkdtempSync(path.join(tmpdir(), 'am-e2e-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const env = {
  PATH: process.env['PATH'] ?? '',
  HOME: scratch,
  AM_CONFIG_DIR: path.join(scratch, 'config'),
  AM_API_URL: urls.api,
  AM_FIREBASE_API_KEY: 'demo-api-key',
  FIREBASE_AUTH_EMULATOR_HOST: new URL(urls.auth).host,
};

function am(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AM, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** A copy of a seeded agent (it scans clean) under a new id and publisher. */
function agentFolder(agentId: string, publisherId: string): string {
  const dir = path.join(scratch, agentId);
  cpSync(SEEDED_AGENT, dir, { recursive: true });
  const yaml = readFileSync(path.join(dir, 'agent.yaml'), 'utf8').replace(/^id: .*$/m, `id: ${agentId}`).replace(/^publisher: .*$/m, `publisher: ${publisherId}`);
  writeFileSync(path.join(dir, 'agent.yaml'), yaml);
  return dir;
}

describe('am, the developer CLI, against the stack', () => {
  const suffix = randomUUID().slice(0, 8);
  const publisherId = `cli-${suffix}`;

  it('signs in, creates a publisher, publishes a version inline and waits for its scan: in review', { timeout: 180_000 }, async () => {
    const user = await signUpVerified('cli');
    const login = await am(['login', '--email', user.email, '--password-stdin'], `${user.password}\n`);
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);

    const created = await am(['publishers', 'create', publisherId, '--name', 'CLI Test Tools', '--json']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ id: publisherId, name: 'CLI Test Tools', myRole: 'owner' });
    const listed = await am(['publishers', '--json']);
    expect((JSON.parse(listed.stdout) as Publisher[]).map((p) => p.id)).toContain(publisherId);

    const agentId = `cli-agent-${suffix}`;
    const dir = agentFolder(agentId, publisherId);
    expect(await am(['validate', dir])).toMatchObject({ code: 0, stderr: '' });

    const published = await am(['publish', dir, '--wait', '--timeout', '120', '--json']);
    expect(published.stderr).toBe('');
    expect(published.code).toBe(0);
    const version = JSON.parse(published.stdout) as DeveloperVersion;
    expect(version).toMatchObject({ publisherId, agentId, version: '1.0.0', state: 'in_review' });
    expect(version.scan?.passed).toBe(true);

    const shown = await am(['version', agentId, '1.0.0', '--publisher', publisherId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`${publisherId}/${agentId} 1.0.0: in_review`);
    expect(shown.stdout).toContain('Scan: passed');
    const versions = await am(['versions', agentId, '--publisher', publisherId, '--json']);
    expect((JSON.parse(versions.stdout) as DeveloperVersion[]).map((v) => [v.version, v.state])).toEqual([['1.0.0', 'in_review']]);
  });

  it('a bundle sent through the upload URL gets to review the same way', { timeout: 180_000 }, async () => {
    // Runs after the test above (same file, in order): signed in, the publisher exists.
    const agentId = `cli-upload-${suffix}`;
    const published = await am(['publish', agentFolder(agentId, publisherId), '--inline-max', '0', '--wait', '--timeout', '120']);
    expect(published.stderr).toBe('Waiting for the scan...\n');
    expect(published.code).toBe(0);
    expect(published.stdout).toMatch(new RegExp(`^Submitted ${publisherId}/${agentId} 1\\.0\\.0: submitted \\(bundle .*, uploaded, sha256 [0-9a-f]{64}\\)\\.\\n`));
    expect(published.stdout).toContain(`${publisherId}/${agentId} 1.0.0: in_review\nScan: passed`);
  });

  it('a manifest the platform refuses exits 1 at its line, and nothing is submitted', { timeout: 60_000 }, async () => {
    const agentId = `cli-bad-${suffix}`;
    const dir = agentFolder(agentId, publisherId);
    const yaml = readFileSync(path.join(dir, 'agent.yaml'), 'utf8').replace(/^version: .*$/m, 'version: one');
    writeFileSync(path.join(dir, 'agent.yaml'), yaml);
    const line = yaml.split('\n').indexOf('version: one') + 1;
    const out = await am(['publish', dir]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`agent.yaml:${line}  version: `);
    // The agent was never submitted: it has no versions, or (to the API) does not exist.
    const versions = await am(['versions', agentId, '--publisher', publisherId, '--json']);
    if (versions.code === 0) expect(JSON.parse(versions.stdout)).toEqual([]);
    else expect(JSON.parse(versions.stderr).error).toMatchObject({ status: 404 });
  });
});
