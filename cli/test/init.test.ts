import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleScanner } from '../../functions/src/adapters/bundles/scanBundle.ts';
import { parseManifest } from '../../functions/src/app/catalog/publishAgent.ts';
import { validateAgainst } from '../../functions/src/domain/jsonSchema.ts';
import { runAgentForTest } from '../../runner/src/testing.ts';
import { packBundle } from '../src/pack.ts';
import { render } from '../src/scaffold.ts';
import { am, folder, scratch } from './support.ts';

const RUNNER = resolve(import.meta.dirname, '../../runner');

/** `npm test` of a scaffold (node --test), as a developer runs it in the folder. */
function nodeTest(dir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, ['--test'], { cwd: dir, env: { PATH: process.env['PATH'] ?? '', HOME: dir } });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('error', reject);
    child.on('close', (code) => done({ code, output }));
  });
}

/** A scaffold in a fresh folder outside the repository: `<scratch>/<id>`. */
async function scaffolded(args: string[] = [], id = 'inventory-report'): Promise<{ dir: string; out: Awaited<ReturnType<typeof am>> }> {
  const dir = join(scratch(), id);
  const out = await am(['init', dir, ...args]);
  return { dir, out };
}

describe('init', () => {
  it('writes the template with the id, publisher and name filled in, and says what to do next', async () => {
    const { dir, out } = await scaffolded(['--publisher', 'acme']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const files = ['agent.yaml', 'fixtures/cloud.json', 'package.json', 'README.md', 'src/index.js', 'test/agent.test.js'];
    expect(out.stdout).toBe(
      `Created acme/inventory-report 0.1.0 in ${dir}:\n${files.map((f) => `  ${f}`).join('\n')}\n\nNext:\n  cd ${dir}\n` +
        '  npm test                        # the agent on its sandbox account (README.md: reaching the runner)\n  agent-marketplace validate\n  agent-marketplace publish --wait\n',
    );
    for (const f of files) expect(existsSync(join(dir, f))).toBe(true);
    const text = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(text).not.toMatch(/\{\{\w+(\|json)?\}\}/);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))).toMatchObject({ name: 'inventory-report', type: 'module', devDependencies: { '@agent-marketplace/runner': '0.1.0' } });
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/^# Inventory report\n/);
  });

  it("the manifest passes the platform's validation: entry src/index.js, schemas, one low-risk permission with a reason, free, license, support", async () => {
    const { dir } = await scaffolded(['--publisher', 'acme', '--name', 'Inventory: #1 "report"']);
    const m = parseManifest(readFileSync(join(dir, 'agent.yaml'), 'utf8'));
    expect(m).toMatchObject({
      id: 'inventory-report',
      publisher: 'acme',
      version: '0.1.0',
      // A name with YAML's special characters stays one string.
      name: 'Inventory: #1 "report"',
      runtime: { local: { entry: 'src/index.js' } },
      permissions: [{ scope: 'vm.list', risk: 'low', reason: expect.stringMatching(/\w+ \w+ \w+/) }],
      approvals: [],
      pricing: { model: 'free', amountCents: 0 },
      license: 'Apache-2.0',
      support: { email: expect.stringContaining('@') },
    });
    expect(m.inputs).toMatchObject({ type: 'object', properties: { project: { type: 'string' } } });
    expect(m.outputs).toMatchObject({ type: 'object', required: ['account', 'total', 'byState', 'byProject'] });
  });

  it("its bundle passes every check of the platform's scan, warnings included", async () => {
    const { dir } = await scaffolded(['--publisher', 'acme']);
    const yaml = readFileSync(join(dir, 'agent.yaml'), 'utf8');
    const report = await bundleScanner(parseManifest)(yaml, (await packBundle(dir)).bytes);
    expect(report.passed).toBe(true);
    expect(report.checks.map((c) => [c.id, c.status, c.findings])).toEqual(report.checks.map((c) => [c.id, 'pass', []]));
  });

  it('the agent runs on its sandbox account with the SDK context, and its outputs keep the manifest\'s promise', async () => {
    const { dir } = await scaffolded(['--publisher', 'acme']);
    const m = parseManifest(readFileSync(join(dir, 'agent.yaml'), 'utf8'));
    const all = await runAgentForTest(dir);
    expect(all.outputs).toEqual({ account: 'template-sandbox', total: 4, byState: { running: 3, stopped: 1 }, byProject: { 'demo-prod': 2, 'demo-dev': 2 } });
    expect(all.logs.map((l) => [l.level, l.msg])).toEqual([['info', 'Counted 4 VMs in template-sandbox']]);
    expect(validateAgainst(m.outputs!, all.outputs, 'outputs')).toEqual([]);
    const input = { project: 'demo-dev' };
    expect(validateAgainst(m.inputs, input, 'input')).toEqual([]);
    const one = await runAgentForTest(dir, { input });
    expect(one.outputs).toMatchObject({ total: 2, byProject: { 'demo-dev': 2 } });
    expect(validateAgainst(m.outputs!, one.outputs, 'outputs')).toEqual([]);
  });

  it('its own test passes with `node --test` once the runner is linked in as its README says, and fails when the agent breaks', { timeout: 30_000 }, async () => {
    expect(existsSync(join(RUNNER, 'lib/testing.js')), 'the runner is built (npm run build -w runner)').toBe(true);
    const { dir } = await scaffolded(['--publisher', 'acme']);
    // Outside the repository: `mkdir -p node_modules/@agent-marketplace && ln -s <checkout>/runner node_modules/@agent-marketplace/runner`.
    mkdirSync(join(dir, 'node_modules/@agent-marketplace'), { recursive: true });
    symlinkSync(RUNNER, join(dir, 'node_modules/@agent-marketplace/runner'));
    const passed = await nodeTest(dir);
    expect(passed.output).toMatch(/pass 2$/m);
    expect(passed.code).toBe(0);

    const entry = join(dir, 'src/index.js');
    writeFileSync(entry, readFileSync(entry, 'utf8').replace('total: vms.length', 'total: vms.length + 1'));
    const failed = await nodeTest(dir);
    expect(failed.output).toMatch(/fail 2$/m);
    expect(failed.code).not.toBe(0);
  });

  it('takes the id from the folder name; --id and --name override; --json gives what was written', async () => {
    const dir = join(scratch(), 'Not_An_Id');
    const out = await am(['init', dir, '--id', 'cost-probe', '--json']);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      dir,
      id: 'cost-probe',
      publisher: 'my-publisher',
      name: 'Cost probe',
      version: '0.1.0',
      template: 'basic',
      files: ['agent.yaml', 'fixtures/cloud.json', 'package.json', 'README.md', 'src/index.js', 'test/agent.test.js'],
    });
    expect(parseManifest(readFileSync(join(dir, 'agent.yaml'), 'utf8'))).toMatchObject({ id: 'cost-probe', publisher: 'my-publisher', name: 'Cost probe' });
    // Without --publisher, a reminder to set it.
    const plain = await scaffolded([], 'plain-agent');
    expect(plain.out.stdout).toContain("Set publisher in agent.yaml to your publisher's id (`agent-marketplace publishers`) before publishing.");
  });

  it('refuses a folder that is not empty, a file, and ids or names the manifest would refuse: exit 2, nothing written', async () => {
    const full = folder({ 'notes.txt': 'mine' });
    const refused = await am(['init', full, '--id', 'my-agent']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is not empty');
    expect(readdirSync(full)).toEqual(['notes.txt']);
    expect((await am(['init', join(full, 'notes.txt'), '--id', 'my-agent'])).code).toBe(2);

    const parent = scratch();
    for (const args of [['--id', 'My_Agent'], ['--id', 'ab'], ['--publisher', 'Acme'], ['--name', 'x'], ['--template', 'nope']]) {
      const out = await am(['init', join(parent, 'new-agent'), ...args]);
      expect(out.code, args.join(' ')).toBe(2);
    }
    const unnamed = await am(['init', join(parent, 'Bad Name')]);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain('pass --id');
    expect(readdirSync(parent)).toEqual([]);
  });

  it('render: plain values, JSON-quoted values, and no unknown keys', () => {
    const values = { id: 'a-b', publisher: 'p', name: 'A: "b"' };
    expect(render('id: {{id}}\nname: {{name|json}}\n# {{name}}', values)).toBe('id: a-b\nname: "A: \\"b\\""\n# A: "b"');
    expect(() => render('{{version}}', values)).toThrow('unknown value: {{version}}');
  });
});
