import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { indexesFile } from '../indexes.ts';
import { rulesPath, withRoleTable } from '../rules.ts';
import { manifestJsonSchema } from '@agent-marketplace/contract';

describe('generated files are up to date', () => {
  it('firestore.indexes.json has every index the catalog plans need (npm run indexes)', () => {
    expect(JSON.parse(readFileSync('firestore.indexes.json', 'utf8'))).toEqual(JSON.parse(JSON.stringify(indexesFile())));
  });

  it('agents/agent.schema.json matches the manifest schema (npm run schema)', () => {
    expect(JSON.parse(readFileSync('agents/agent.schema.json', 'utf8'))).toEqual(manifestJsonSchema());
  });

  it("firestore.rules carries the API's role table (npm run rules)", () => {
    const rules = readFileSync(rulesPath, 'utf8');
    expect(rules).toBe(withRoleTable(rules));
  });
});
