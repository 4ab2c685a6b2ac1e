import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { indexesFile } from '../indexes.ts';
import { rulesPath, withRoleTable } from '../rules.ts';
import { manifestJsonSchema } from '@agent-marketplace/contract';
import { contentSecurityPolicy, CSP_HEADER } from '../lib/contentSecurityPolicy.ts';

describe('generated files are up to date', () => {
  it('firestore.indexes.json has every index the catalog plans need (npm run indexes)', () => {
    expect(JSON.parse(readFileSync('firestore.indexes.json', 'utf8'))).toEqual(JSON.parse(JSON.stringify(indexesFile())));
  });

  it('agents/agent.schema.json matches the manifest schema (npm run schema)', () => {
    expect(JSON.parse(readFileSync('agents/agent.schema.json', 'utf8'))).toEqual(manifestJsonSchema());
  });

  it("firebase.json's Hosting sends the web app's Content-Security-Policy on every path", () => {
    const config = JSON.parse(readFileSync('firebase.json', 'utf8')) as { hosting: { headers: { source: string; headers: { key: string; value: string }[] }[] } };
    const everyPath = config.hosting.headers.find((h) => h.source === '**');
    expect(everyPath?.headers.find((h) => h.key === CSP_HEADER)?.value).toBe(contentSecurityPolicy());
  });

  it("firestore.rules carries the API's role table (npm run rules)", () => {
    const rules = readFileSync(rulesPath, 'utf8');
    expect(rules).toBe(withRoleTable(rules));
  });
});
