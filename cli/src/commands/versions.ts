import { AgentId, PublisherId, SemVer } from '@agent-marketplace/contract/manifest';
import { DeprecateVersionIn, YankVersionIn } from '@agent-marketplace/contract/publishing';
import { checked, type CommandSpec, type Options, type ParsedInput } from '../args.ts';
import type { Context } from '../context.ts';
import { table, versionLine, versionText, when } from '../format.ts';

const publisherOption: Options = { publisher: { type: 'string', value: 'publisher', description: "The agent's publisher", required: true } };

const agentParams = (input: ParsedInput, command: string) => ({
  publisherId: checked(PublisherId, input.opts['publisher'], '--publisher', command),
  agentId: checked(AgentId, input.args['agentId'], '<agentId>', command),
});
const versionParams = (input: ParsedInput, command: string) => ({ ...agentParams(input, command), version: checked(SemVer, input.args['version'], '<version>', command) });

export const listVersions: CommandSpec<Context> = {
  name: 'versions',
  args: ['<agentId>'],
  summary: "An agent's versions in every state, newest first",
  options: publisherOption,
  async run(ctx, input) {
    const { items } = await ctx.api().call('listDeveloperVersions', { params: agentParams(input, 'versions') });
    const flags = (v: (typeof items)[number]) => [v.deprecated ? 'deprecated' : '', v.yanked ? 'yanked' : ''].filter(Boolean).join(', ');
    const text = items.length === 0 ? 'No versions yet.\n' : table(['version', 'state', 'submitted', 'flags'], items.map((v) => [v.version, v.state, when(v.submittedAt), flags(v)]));
    ctx.result(items, text);
  },
};

export const showVersion: CommandSpec<Context> = {
  name: 'version',
  args: ['<agentId>', '<version>'],
  summary: 'One version: state, scan report, review comments, build and history',
  options: publisherOption,
  async run(ctx, input) {
    const v = await ctx.api().call('getDeveloperVersion', { params: versionParams(input, 'version') });
    ctx.result(v, versionText(v));
  },
};

export const deprecate: CommandSpec<Context> = {
  name: 'deprecate',
  args: ['<agentId>', '<version>'],
  summary: 'Deprecate a published version: still installable, shown with your message',
  options: { ...publisherOption, message: { type: 'string', value: 'text', description: 'Why, and what to use instead', required: true } },
  async run(ctx, input) {
    const body = checked(DeprecateVersionIn, { message: input.opts['message'] }, { message: '--message' }, 'deprecate');
    const v = await ctx.api().call('deprecateVersion', { params: versionParams(input, 'deprecate'), body });
    ctx.result(v, `${versionLine(v)}\n`);
  },
};

export const undeprecate: CommandSpec<Context> = {
  name: 'undeprecate',
  args: ['<agentId>', '<version>'],
  summary: 'Lift a deprecation',
  options: publisherOption,
  async run(ctx, input) {
    const v = await ctx.api().call('undeprecateVersion', { params: versionParams(input, 'undeprecate') });
    ctx.result(v, `${versionLine(v)}\n`);
  },
};

export const yank: CommandSpec<Context> = {
  name: 'yank',
  args: ['<agentId>', '<version>'],
  summary: 'Yank a published version: no new installs; installs on it are told to upgrade',
  options: { ...publisherOption, reason: { type: 'string', value: 'text', description: 'Why (shown to installs on it)', required: true } },
  async run(ctx, input) {
    const body = checked(YankVersionIn, { reason: input.opts['reason'] }, { reason: '--reason' }, 'yank');
    const v = await ctx.api().call('yankVersion', { params: versionParams(input, 'yank'), body });
    ctx.result(v, `${versionLine(v)}\n`);
  },
};

export const unyank: CommandSpec<Context> = {
  name: 'unyank',
  args: ['<agentId>', '<version>'],
  summary: 'Undo a yank',
  options: publisherOption,
  async run(ctx, input) {
    const v = await ctx.api().call('unyankVersion', { params: versionParams(input, 'unyank') });
    ctx.result(v, `${versionLine(v)}\n`);
  },
};
