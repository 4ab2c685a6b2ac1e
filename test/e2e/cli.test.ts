import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DeveloperVersion, Publisher } from '@agent-marketplace/contract';
import { afterAll, describe, expect, it } from 'vitest';
import { adminDb } from '../support/admin.ts';
import { apiAs } from '../support/client.ts';
import { eventually } from '../support/notify.ts';
import { urls } from '../support/stack.ts';
import { installAgent, newWorkspace, signUp, signUpVerified } from '../support/users.ts';

/**
 * `agent-marketplace` (`am`), the developer CLI, as a developer runs it: the real process
 * (`node cli/src/bin.ts`) against the stack, signing in to the Auth emulator with the stack's
 * web API key and publishing through Hosting's `/v1`.
 */
const AM = path.resolve(import.meta.dirname, '../../cli/src/bin.ts');
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

function am(args: string[], stdin = '', extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AM, ...args], { env: { ...env, ...extraEnv } });
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
  const yaml = readFileSync(path.join(dir, 'agent.yaml'), 'utf8').replace(/^id: .*$/m, `id: ${agentId}`).replace(/^publisher: .*$/m, `publisher: ${publisherId}`).replace(/^version: .*$/m, 'version: 1.0.0');
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
    expect(published.stderr).toMatch(/^Packed \d+ files, .*\nUploading .*\.\.\.\nUploaded .*\.\nWaiting for the scan\.\.\.\nThe scan decided after \d+ s\.\n$/);
    expect(published.code).toBe(0);
    expect(published.stdout).toMatch(new RegExp(`^Submitted ${publisherId}/${agentId} 1\\.0\\.0: submitted \\(bundle .*, uploaded, sha256 [0-9a-f]{64}\\)\\.\\n`));
    expect(published.stdout).toContain(`${publisherId}/${agentId} 1.0.0: in_review\nScan: passed`);
  });

  it('a developer scaffolds, validates and publishes an agent; approved, a customer runs it with run --follow', { timeout: 300_000 }, async () => {
    // Runs after the first test (same file, in order): signed in, the publisher exists.
    const agentId = `cli-init-${suffix}`;
    const dir = path.join(scratch, agentId);
    const init = await am(['init', dir, '--publisher', publisherId]);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(await am(['validate', dir])).toMatchObject({ code: 0, stderr: '', stdout: `${path.join(dir, 'agent.yaml')} is valid: ${publisherId}/${agentId} 0.1.0.\n` });

    const published = await am(['publish', dir, '--wait', '--timeout', '120']);
    expect(published.stderr).toMatch(/^Packed 6 files, .*\nWaiting for the scan\.\.\.\nThe scan decided after \d+ s\.\n$/);
    expect(published.code).toBe(0);
    expect(published.stdout).toContain(`${publisherId}/${agentId} 0.1.0: in_review\nScan: passed`);
    // The template is clean: no check so much as warns.
    expect(published.stdout).not.toMatch(/^ {2}(WARN|FAIL) /m);

    // A platform admin approves it over REST; the local deployer builds it and it is published.
    const admin = await signUp('cli-admin');
    await adminDb.collection('platformAdmins').doc(admin.uid).set({ uid: admin.uid, email: admin.email, grantedAt: new Date() });
    await apiAs(admin.idToken).call('approveVersion', { params: { agentId, version: '0.1.0' }, body: { comments: 'Scaffolded and clean.' } });
    await eventually(
      `${agentId} 0.1.0 published`,
      async () => {
        const shown = await am(['version', agentId, '0.1.0', '--publisher', publisherId, '--json']);
        const state = (JSON.parse(shown.stdout) as DeveloperVersion).state;
        if (state === 'build_failed') throw new Error(shown.stdout);
        return state === 'published' ? true : undefined;
      },
      60_000,
    );

    // A customer's workspace installs it (REST) and test-runs it with the CLI, following the stream.
    const ws = await newWorkspace();
    const installId = await installAgent(ws, agentId);
    const customer = { AM_TOKEN: ws.owner.idToken };
    const run = await am(['run', ws.id, installId, '--input', '{"project":"demo-dev"}', '--follow'], '', customer);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const runId = new RegExp(`^Run (\\w+) queued: ${agentId} 0\\.1\\.0 \\(install ${installId}\\)\\.\\n`).exec(run.stdout)?.[1];
    expect(runId, run.stdout).toBeTruthy();
    expect(run.stdout).toMatch(/ state running -> succeeded/);
    expect(run.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}Counted 2 VMs in template-sandbox {2}\{"project":"demo-dev"/m);
    const outputs = new RegExp(`^Run ${runId} succeeded\\.\\n {2}outputs: (.*)\\n$`, 'm').exec(run.stdout)?.[1];
    expect(JSON.parse(outputs ?? 'null')).toEqual({ account: 'template-sandbox', total: 2, byState: { running: 1, stopped: 1 }, byProject: { 'demo-dev': 2 } });

    // The same run's logs afterwards, paged, and as JSON lines.
    const logs = await am(['logs', ws.id, runId!, '--json'], '', customer);
    expect(logs.code).toBe(0);
    const lines = logs.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { event: string; level: string; msg: string });
    expect(lines).toContainEqual(expect.objectContaining({ event: 'log', level: 'info', msg: 'Counted 2 VMs in template-sandbox' }));
    // Another workspace's member cannot follow it.
    const outsider = await newWorkspace();
    const denied = await am(['logs', ws.id, runId!, '--follow', '--json'], '', { AM_TOKEN: outsider.owner.idToken });
    expect(denied.code).toBe(1);
    expect((JSON.parse(denied.stderr) as { error: { status: number } }).error.status).toBe(404);
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
