/**
 * Seeds the catalog from `agents/*\/agent.yaml` (or the agent folders given as arguments) through the same validation and Firestore
 * adapter the platform uses. Needs FIRESTORE_EMULATOR_HOST (the start script sets it) or
 * real credentials. Idempotent: re-running republishes the same versions.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FirestoreCatalogStore } from '../functions/lib/adapters/firestore/catalog.js';
import { parseManifest, publishAgent } from '../functions/lib/app/catalog/publishAgent.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const agentDirs = (process.argv.length > 2 ? process.argv.slice(2) : ['agents']).map((d) => path.resolve(root, d));

if (!process.env['FIRESTORE_EMULATOR_HOST'] && !process.env['GOOGLE_APPLICATION_CREDENTIALS']) {
  console.error('seed: set FIRESTORE_EMULATOR_HOST (the local stack does) or GOOGLE_APPLICATION_CREDENTIALS.');
  process.exit(2);
}

const deps = { catalog: new FirestoreCatalogStore(), clock: { now: () => new Date() } };
let count = 0;
const seen = new Map<string, string>();
for (const [agentsDir, dir] of agentDirs.flatMap((d) => readdirSync(d).sort().map((name) => [d, name] as const))) {
  const file = path.join(agentsDir, dir, 'agent.yaml');
  if (!existsSync(file)) continue;
  const yaml = readFileSync(file, 'utf8');
  const manifest = parseManifest(yaml);
  if (manifest.id !== dir) throw new Error(`agents/${dir}/agent.yaml has id ${manifest.id}; the folder and the id must match.`);
  if (seen.has(manifest.id)) throw new Error(`duplicate agent id ${manifest.id} in agents/${dir} and agents/${seen.get(manifest.id)}`);
  seen.set(manifest.id, dir);
  await publishAgent(deps, manifest, yaml);
  count += 1;
  console.log(`seed: published ${manifest.id}@${manifest.version}`);
}
console.log(`seed: ${count} agent(s) published`);
process.exit(0);
