/** Writes agents/agent.schema.json from the manifest's zod schema (`npm run schema`). */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { manifestJsonSchema } from '@agent-marketplace/contract';

export const schemaFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'agents', 'agent.schema.json');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(schemaFile, `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`);
  console.log(`wrote ${schemaFile}`);
}
