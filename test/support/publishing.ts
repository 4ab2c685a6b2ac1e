import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiError, type DeveloperVersion } from '@agent-marketplace/client';
import { packBundle } from '../../cli/src/pack.ts';
import { adminDb } from './admin.ts';
import { apiAs } from './client.ts';
import { eventually } from './notify.ts';
import type { TestUser } from './users.ts';

/** The developer portal's test helpers (test/e2e/publishing.test.ts, publisherAnalytics.test.ts): an agent to submit, its bundle, admins, waits. */

/** Says hello with the version it runs; throws when asked to (`fail: true`), so a test chooses each run's outcome. */
const AGENT_CODE = `export default async function hello(ctx) {
  if (ctx.input.fail) throw new Error('asked to fail');
  ctx.log.info('hello from a submitted version');
  return { greeting: 'hello ' + (ctx.input.name ?? 'world'), version: VERSION };
}
`;

export function agentYaml(id: string, publisher: string, version: string, extra = ''): string {
  return `id: ${id}
name: Hello ${id}
version: ${version}
publisher: ${publisher}
summary: Says hello, to test the publishing pipeline.
categories: [operations]
runtime:
  local:
    entry: src/index.js
inputs:
  type: object
  additionalProperties: false
  properties:
    name: { type: string }
    fail: { type: boolean }
permissions:
  - scope: vm.list
    risk: low
    reason: reads the inventory to say hello to it
resources:
  timeoutSeconds: 30
pricing:
  model: free
license: MIT
support:
  email: dev@example.test
releaseNotes: |
  ## ${version}
  - says hello
${extra}`;
}

/** An agent folder on disk, packed as the CLI packs it. */
/** An agent folder packed as the CLI packs it; `symlinks` are planted as links (name → target). */
export async function bundleOf(yaml: string, version: string, files: Record<string, string> = {}, symlinks: Record<string, string> = {}): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'am-bundle-'));
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'agent.yaml'), yaml);
  writeFileSync(path.join(dir, 'src', 'index.js'), AGENT_CODE.replace('VERSION', JSON.stringify(version)));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  for (const [name, target] of Object.entries(symlinks)) symlinkSync(target, path.join(dir, name));
  return (await packBundle(dir)).bytes.toString('base64');
}

export async function makeAdmin(user: TestUser): Promise<void> {
  await adminDb.collection('platformAdmins').doc(user.uid).set({ uid: user.uid, email: user.email, grantedAt: new Date() });
}

export async function waitForState(dev: TestUser, publisherId: string, agentId: string, version: string, states: DeveloperVersion['state'][], timeoutMs = 45_000): Promise<DeveloperVersion> {
  const api = apiAs(dev.idToken);
  return eventually(
    `${agentId}@${version} in ${states.join('|')}`,
    async () => {
      const v = await api.call('getDeveloperVersion', { params: { publisherId, agentId, version } });
      return states.includes(v.state) ? v : undefined;
    },
    timeoutMs,
  );
}

/** The status and code a failing API call answers with. */
export async function errorOf(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, code: err.code };
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** Submits a version (the hello agent's, or `yaml`) and takes it through the pipeline (scan, an admin's approval, build) to published. */
export async function publishThroughPipeline(dev: TestUser, admin: TestUser, publisherId: string, agentId: string, version: string, yaml = agentYaml(agentId, publisherId, version)): Promise<DeveloperVersion> {
  await apiAs(dev.idToken).call('submitVersion', { params: { publisherId, agentId }, body: { manifest: yaml, bundle: { base64: await bundleOf(yaml, version) } } });
  await waitForState(dev, publisherId, agentId, version, ['in_review']);
  await apiAs(admin.idToken).call('approveVersion', { params: { agentId, version }, body: {} });
  return waitForState(dev, publisherId, agentId, version, ['published']);
}
