import { AddPublisherMemberIn, CreatePublisherIn } from '@agent-marketplace/contract/publishing';
import { PublisherId } from '@agent-marketplace/contract/manifest';
import { checked, type CommandSpec } from '../args.ts';
import type { Context } from '../context.ts';
import { table, when } from '../format.ts';

export const listPublishers: CommandSpec<Context> = {
  name: 'publishers',
  args: [],
  summary: 'The publishers you are a member of',
  options: {},
  async run(ctx) {
    const { items } = await ctx.api().call('listMyPublishers');
    const text = items.length === 0
      ? 'You are a member of no publisher. Create one with `agent-marketplace publishers create <id> --name <name>`.\n'
      : table(['id', 'name', 'role', 'members', 'created'], items.map((p) => [p.id, p.name, p.myRole, String(p.memberCount), when(p.createdAt)]));
    ctx.result(items, text);
  },
};

export const createPublisher: CommandSpec<Context> = {
  name: 'publishers create',
  args: ['<id>'],
  summary: "Create a publisher (you become its owner); its id is every manifest's `publisher`",
  options: { name: { type: 'string', value: 'name', description: 'Its display name', required: true } },
  async run(ctx, { args, opts }) {
    const body = checked(CreatePublisherIn, { id: args['id'], name: opts['name'] }, { id: '<id>', name: '--name' }, 'publishers create');
    const p = await ctx.api().call('createPublisher', { body });
    ctx.result(p, `Created publisher ${p.id} (${p.name}); you are its ${p.myRole}.\n`);
  },
};

export const listMembers: CommandSpec<Context> = {
  name: 'members',
  args: ['<publisher>'],
  summary: "A publisher's members and their roles",
  options: {},
  async run(ctx, { args }) {
    const publisherId = checked(PublisherId, args['publisher'], '<publisher>', 'members');
    const { items } = await ctx.api().call('listPublisherMembers', { params: { publisherId } });
    ctx.result(items, table(['email', 'role', 'uid', 'added'], items.map((m) => [m.email ?? '-', m.role, m.uid, when(m.addedAt)])));
  },
};

export const addMember: CommandSpec<Context> = {
  name: 'members add',
  args: ['<publisher>', '<email>'],
  summary: 'Add a member by the email of an existing account (owners and admins)',
  options: { role: { type: 'string', value: 'role', description: 'owner, admin, developer or viewer', required: true } },
  async run(ctx, { args, opts }) {
    const publisherId = checked(PublisherId, args['publisher'], '<publisher>', 'members add');
    const body = checked(AddPublisherMemberIn, { email: args['email'], role: opts['role'] }, { email: '<email>', role: '--role' }, 'members add');
    const m = await ctx.api().call('addPublisherMember', { params: { publisherId }, body });
    ctx.result(m, `Added ${m.email ?? m.uid} to ${publisherId} as ${m.role}.\n`);
  },
};
