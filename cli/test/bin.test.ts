import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUNDLE_LIMITS, formatBytes as scanFormatBytes } from '../../functions/src/domain/scan/bundle.ts';
import { DEFAULT_MAX_TOTAL_BYTES, formatBytes } from '../src/pack.ts';
import { AGENT_YAML, developerVersion, fakeServer, folder, scratch } from './support.ts';

const AM = join(import.meta.dirname, '../src/bin.ts');

/** The real CLI as a process: `node cli/src/bin.ts ...` (Node 24 strips the types). */
function amProcess(args: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AM, ...args], { env: { PATH: process.env['PATH'] ?? '', HOME: scratch(), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('the agent-marketplace process', () => {
  it('exits 0 with help, 2 on a usage error, 1 on a failure', async () => {
    const help = await amProcess(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('publishers create <id>');
    expect(await amProcess(['publsh'], {})).toMatchObject({ code: 2, stdout: '' });
    const failed = await amProcess(['publishers', '--json'], { AM_CONFIG_DIR: scratch() });
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stderr).error.code).toBe('not_signed_in');
  });

  it('publishes through the API and exits 1 when the scan fails, its --json result on stdout', async () => {
    const failed = developerVersion({ state: 'scan_failed' });
    const server = await fakeServer({
      'POST /v1/manifests/validate': () => ({ status: 200, body: { valid: true, manifest: { id: 'my-agent', publisher: 'acme', version: '1.2.3' } } }),
      'POST /v1/publishers/acme/agents/my-agent/versions': () => ({ status: 202, body: failed }),
    });
    const dir = folder({ 'agent.yaml': AGENT_YAML, 'src/index.ts': 'export {};\n' });
    const out = await amProcess(['publish', dir, '--json'], { AM_API_URL: server.base, AM_TOKEN: 't' });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toEqual(failed);
  });
});

describe('pack.ts beside the scan', () => {
  it("packs up to the scan's own limit, and speaks of sizes as the scan does", () => {
    expect(DEFAULT_MAX_TOTAL_BYTES).toBe(DEFAULT_BUNDLE_LIMITS.maxTotalBytes);
    for (const n of [0, 1023, 1024, 1536, 1024 * 1024 - 1, 1024 * 1024, 123_456_789]) expect(formatBytes(n)).toBe(scanFormatBytes(n));
  });
});
