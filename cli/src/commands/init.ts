import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { AgentId, PublisherId } from '@agent-marketplace/contract/manifest';
import { z } from 'zod';
import { checked, PROGRAM, type CommandSpec } from '../args.ts';
import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import { scaffold, TEMPLATES_DIR, templateNames } from '../scaffold.ts';

/** What a manifest's `name` takes (contract manifest.ts). */
const AgentName = z.string().trim().min(2).max(80);
const DEFAULT_PUBLISHER = 'my-publisher';

/** `inventory-report` → `Inventory report`. */
const nameFromId = (id: string) => `${id[0]!.toUpperCase()}${id.slice(1).replace(/-+/g, ' ')}`;

export const init: CommandSpec<Context> = {
  name: 'init',
  args: ['<dir>'],
  summary: 'Scaffold an agent folder that passes validation and its own test',
  details: [
    'Writes agent.yaml, src/index.js, fixtures/cloud.json (its local sandbox account), test/agent.test.js and a README',
    'into <dir>, which must be new or empty. The agent id defaults to the folder name.',
  ].join('\n'),
  options: {
    id: { type: 'string', value: 'agent-id', description: "The agent's id (default: <dir>'s name)" },
    publisher: { type: 'string', value: 'publisher', description: `Your publisher's id (default ${DEFAULT_PUBLISHER}: change it before publishing)` },
    name: { type: 'string', value: 'name', description: 'The name people see in the catalog (default: from the id)' },
    template: { type: 'string', value: 'template', description: 'The template (default basic)' },
  },
  async run(ctx, { args, opts }) {
    const dir = resolve(args['dir']!);
    const idGiven = typeof opts['id'] === 'string';
    const rawId = idGiven ? opts['id'] : basename(dir);
    if (!idGiven && !AgentId.safeParse(rawId).success) {
      throw new UsageError(`${JSON.stringify(rawId)} (the folder's name) is not an agent id (lowercase letters, digits and dashes, 3 to 63, starting with a letter): pass --id.`, 'init');
    }
    const id = checked(AgentId, rawId, '--id', 'init');
    const publisher = checked(PublisherId, opts['publisher'] ?? DEFAULT_PUBLISHER, '--publisher', 'init');
    const name = checked(AgentName, opts['name'] ?? nameFromId(id), '--name', 'init');
    const templateName = typeof opts['template'] === 'string' ? opts['template'] : 'basic';
    const available = await templateNames();
    if (!available.includes(templateName)) throw new UsageError(`--template: one of ${available.join(', ')} (got ${JSON.stringify(templateName)}).`, 'init');

    const files = await scaffold(join(TEMPLATES_DIR, templateName), dir, { id, publisher, name });
    // The template's own version, as written.
    const version = /^version: *(\S+)/m.exec(await readFile(join(dir, 'agent.yaml'), 'utf8'))?.[1] ?? '?';
    const next = [
      `  cd ${dir}`,
      '  npm test                        # the agent on its sandbox account (README.md: reaching the runner)',
      `  ${PROGRAM} validate`,
      `  ${PROGRAM} publish --wait`,
    ];
    const hint = opts['publisher'] === undefined ? `\nSet publisher in agent.yaml to your publisher's id (\`${PROGRAM} publishers\`) before publishing.\n` : '';
    ctx.result(
      { dir, id, publisher, name, version, template: templateName, files },
      `Created ${publisher}/${id} ${version} in ${dir}:\n${files.map((f) => `  ${f}`).join('\n')}\n${hint}\nNext:\n${next.join('\n')}\n`,
    );
  },
};
