import { endpoints } from '@agent-marketplace/contract';
import { approvalView, decideApproval, decideRunApprovals, getApproval, listApprovals } from '../../app/approvals/approvals.js';
import { approvalAudit } from '../../app/approvals/audit.js';
import { getApprovalPolicy, setApprovalPolicy } from '../../app/approvals/policy.js';
import { implement } from '../route.js';

export const approvalRoutes = [
  implement(endpoints.listApprovals, async ({ deps, params, query }) => {
    const page = await listApprovals(deps, params.wsId, { state: query.state, installId: query.installId, runId: query.runId }, { limit: query.limit, cursor: query.cursor });
    return { body: { items: page.items.map(approvalView), nextCursor: page.nextCursor } };
  }),
  implement(endpoints.getApproval, async ({ deps, params }) => ({ body: approvalView(await getApproval(deps, params.wsId, params.approvalId)) })),
  implement(endpoints.decideApproval, async ({ deps, access, params, body }) => ({
    body: approvalView(await decideApproval(deps, access!, params.approvalId, { decision: body.decision, comment: body.comment })),
  })),
  implement(endpoints.decideRunApprovals, async ({ deps, access, params, body }) => ({
    body: await decideRunApprovals(deps, access!, params.runId, { decision: body.decision, comment: body.comment, approvalIds: body.approvalIds }),
  })),
  implement(endpoints.approvalAudit, async ({ deps, params, query }) => ({ body: await approvalAudit(deps, params.wsId, query.after, query.limit) })),
  implement(endpoints.getApprovalPolicy, async ({ deps, params }) => ({ body: await getApprovalPolicy(deps, params.wsId, params.installId) })),
  implement(endpoints.setApprovalPolicy, async ({ deps, access, params, body }) => ({ body: await setApprovalPolicy(deps, access!, params.installId, body.rules) })),
];
