import { z } from 'zod';
import { WorkspaceId } from '../common.js';
import { endpoint } from '../endpoint.js';
import { BillingAccountOut, HostedPageOut, StartCheckoutIn } from '../billingAccount.js';

const WsParams = z.object({ wsId: WorkspaceId }).strict();
const billingManage = { kind: 'workspace', permission: 'billing.manage', apiKeys: false } as const;

export const billingAccountEndpoints = {
  getBillingAccount: endpoint('getBillingAccount', {
    summary: "The workspace's billing account: plan, standing, customer and subscription",
    tags: ['billing'],
    access: { kind: 'workspace', permission: 'billing.read' },
    params: WsParams,
    response: { status: 200, schema: BillingAccountOut, description: 'The billing account' },
  }),
  startPlanCheckout: endpoint('startPlanCheckout', {
    summary: 'Start buying a plan: a hosted checkout page; the plan changes when the payment completes (webhook)',
    tags: ['billing'],
    access: billingManage,
    params: WsParams,
    body: StartCheckoutIn,
    response: { status: 201, schema: HostedPageOut, description: 'The checkout page to send the browser to' },
    errors: [409],
  }),
  openBillingPortal: endpoint('openBillingPortal', {
    summary: 'Open the billing portal: change the payment method, see invoices, cancel',
    tags: ['billing'],
    access: billingManage,
    params: WsParams,
    response: { status: 201, schema: HostedPageOut, description: 'The portal page to send the browser to' },
    errors: [409],
  }),
};
