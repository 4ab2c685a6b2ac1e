import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../src/app/catalog/publishAgent.ts';

const agentsDir = path.resolve(import.meta.dirname, '..', '..', 'agents');
const agents = readdirSync(agentsDir).filter((d) => existsSync(path.join(agentsDir, d, 'agent.yaml')));

describe('the seeded catalog (agents/*)', () => {
  it.each(agents)('%s has a valid agent.yaml matching its folder, an entry, a fixture and tests', (dir) => {
    const manifest = parseManifest(readFileSync(path.join(agentsDir, dir, 'agent.yaml'), 'utf8'));
    expect(manifest.id).toBe(dir);
    expect(existsSync(path.join(agentsDir, dir, manifest.runtime.local.entry))).toBe(true);
    expect(existsSync(path.join(agentsDir, dir, 'fixtures', 'cloud.json'))).toBe(true);
    expect(readdirSync(path.join(agentsDir, dir, 'test')).some((f) => f.endsWith('.test.ts'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(agentsDir, dir, 'package.json'), 'utf8')).name).toBe(`@agents/${dir}`);
  });
});
