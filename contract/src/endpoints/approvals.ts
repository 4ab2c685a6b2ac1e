import { z } from 'zod';
import { Id, InstallId, RunId, WorkspaceId } from '../common.js';
import { endpoint } from '../endpoint.js';
import { ApprovalOut, ApprovalPolicyIn, ApprovalPolicyOut, ApprovalsQuery, AuditOut, AuditQuery, DecideIn, DecideRunIn, DecideRunOut } from '../approvals.js';
import { pageOf } from '../common.js';

const WsParams = z.object({ wsId: WorkspaceId }).strict();
const ApprovalParams = z.object({ wsId: WorkspaceId, approvalId: Id }).strict();
const read = { kind: 'workspace', permission: 'runs.read' } as const;
// Who may decide is the install's policy (roles or named members at each level): a person, never an API key.
const decide = { kind: 'workspace', permission: 'runs.read', apiKeys: false } as const;
const tags = ['approvals'];

export const approvalEndpoints = {
  listApprovals: endpoint('listApprovals', {
    summary: "The workspace's approvals (proposals of gated actions), newest first; filter by state, install or run",
    tags,
    access: read,
    params: WsParams,
    query: ApprovalsQuery,
    response: { status: 200, schema: pageOf(ApprovalOut), description: 'A page of approvals' },
  }),
  getApproval: endpoint('getApproval', {
    summary: 'One approval with its rule, levels, decisions and result',
    tags,
    access: read,
    params: ApprovalParams,
    response: { status: 200, schema: ApprovalOut, description: 'The approval' },
  }),
  decideApproval: endpoint('decideApproval', {
    summary: "Approve or reject at the caller's eligible level, with a comment",
    tags,
    access: decide,
    params: ApprovalParams,
    body: DecideIn,
    response: { status: 200, schema: ApprovalOut, description: 'The approval after the decision (applied if it was the last one the run waited for)' },
    errors: [403, 409],
  }),
  decideRunApprovals: endpoint('decideRunApprovals', {
    summary: "Approve or reject a run's pending proposals in bulk (each at the caller's eligible level)",
    tags,
    access: decide,
    params: z.object({ wsId: WorkspaceId, runId: RunId }).strict(),
    body: DecideRunIn,
    response: { status: 200, schema: DecideRunOut, description: 'One result per proposal; a refused one says why' },
    errors: [409],
  }),
  approvalAudit: endpoint('approvalAudit', {
    summary: "The workspace's approval log: append-only, hash-chained, with the server's verification",
    tags,
    access: read,
    params: WsParams,
    query: AuditQuery,
    response: { status: 200, schema: AuditOut, description: 'Records in order, the chain head, and whether they verify' },
  }),
  getApprovalPolicy: endpoint('getApprovalPolicy', {
    summary: "An install's approval policy in force (the manifest's defaults where the install set none)",
    tags,
    access: { kind: 'workspace', permission: 'installs.read' },
    params: z.object({ wsId: WorkspaceId, installId: InstallId }).strict(),
    response: { status: 200, schema: ApprovalPolicyOut, description: 'The policy' },
  }),
  setApprovalPolicy: endpoint('setApprovalPolicy', {
    summary: "Replace an install's approval rules; only an owner may make them less strict",
    tags,
    access: { kind: 'workspace', permission: 'installs.manage', apiKeys: false },
    params: z.object({ wsId: WorkspaceId, installId: InstallId }).strict(),
    body: ApprovalPolicyIn,
    response: { status: 200, schema: ApprovalPolicyOut, description: 'The policy in force' },
    errors: [403],
  }),
};
