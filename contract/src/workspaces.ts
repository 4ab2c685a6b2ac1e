import { z } from 'zod';
import { Name, Timestamp } from './common.js';
import { ApiKeyScope, Role } from './roles.js';

export const Plan = z.enum(['free', 'team', 'enterprise']);
export type Plan = z.infer<typeof Plan>;

export const WorkspaceOut = z.object({ id: z.string(), name: z.string(), plan: z.string(), createdAt: Timestamp, role: Role }).meta({ id: 'Workspace' });
export type Workspace = z.output<typeof WorkspaceOut>;

export const CreateWorkspaceIn = z.object({ name: Name(80) }).strict().meta({ id: 'CreateWorkspace' });
export type CreateWorkspace = z.input<typeof CreateWorkspaceIn>;

export const MeOut = z.object({ uid: z.string(), email: z.string().nullable() }).meta({ id: 'Me' });

export const MemberOut = z.object({ uid: z.string(), role: Role, email: z.string().nullable(), addedAt: Timestamp, addedBy: z.string() }).meta({ id: 'Member' });
export type Member = z.output<typeof MemberOut>;

export const AddMemberIn = z.object({ email: z.email().max(254), role: Role }).strict().meta({ id: 'AddMember' });
export type AddMember = z.input<typeof AddMemberIn>;
export const ChangeRoleIn = z.object({ role: Role }).strict().meta({ id: 'ChangeMemberRole' });

export const ApiKeyOut = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(ApiKeyScope),
    createdAt: Timestamp,
    createdBy: z.string(),
    lastUsedAt: Timestamp.nullable(),
    revokedAt: Timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });
export type ApiKey = z.output<typeof ApiKeyOut>;

export const CreatedApiKeyOut = ApiKeyOut.extend({
  /** The full key. Shown once, in this response only. */
  secret: z.string(),
}).meta({ id: 'CreatedApiKey' });
export type CreatedApiKey = z.output<typeof CreatedApiKeyOut>;

export const CreateApiKeyIn = z
  .object({ name: Name(80), scopes: z.array(ApiKeyScope).min(1).max(ApiKeyScope.options.length) })
  .strict()
  .meta({ id: 'CreateApiKey' });
export type CreateApiKey = z.input<typeof CreateApiKeyIn>;
