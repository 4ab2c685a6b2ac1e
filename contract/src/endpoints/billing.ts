import { z } from 'zod';
import { InstallId, WorkspaceId } from '../common.js';
import { endpoint } from '../endpoint.js';
import { BillingOut, BillingQuery, Money, SpendCapIn } from '../billing.js';

const WsParams = z.object({ wsId: WorkspaceId }).strict();
const InstallParams = z.object({ wsId: WorkspaceId, installId: InstallId }).strict();
const read = { kind: 'workspace', permission: 'billing.read' } as const;
const manage = { kind: 'workspace', permission: 'billing.manage', apiKeys: false } as const;
const tags = ['billing'];
const CapOut = z.object({ cap: Money.nullable() }).meta({ id: 'SpendCap' });

export const billingEndpoints = {
  getBilling: endpoint('getBilling', {
    summary: "The workspace's plan, billing status, this month's usage and spend per install, and its spend caps",
    tags,
    access: read,
    params: WsParams,
    query: BillingQuery,
    response: { status: 200, schema: BillingOut, description: 'Usage and spend of the month (UTC; default the current one)' },
  }),
  setWorkspaceSpendCap: endpoint('setWorkspaceSpendCap', {
    summary: "The workspace's monthly spend cap (null: none): a run that would pass it is refused with 402 spend_cap_reached",
    tags,
    access: manage,
    params: WsParams,
    body: SpendCapIn,
    response: { status: 200, schema: CapOut, description: 'The cap in force' },
  }),
  setInstallSpendCap: endpoint('setInstallSpendCap', {
    summary: "An install's monthly spend cap (null: none), beside the workspace's",
    tags,
    access: manage,
    params: InstallParams,
    body: SpendCapIn,
    response: { status: 200, schema: CapOut, description: 'The cap in force' },
    errors: [404],
  }),
};
