import { endpoints } from '@agent-marketplace/contract';
import { getBillingAccount, openBillingPortal, startPlanCheckout } from '../../app/billing/account.js';
import { implement } from '../route.js';

export const billingAccountRoutes = [
  implement(endpoints.getBillingAccount, async ({ deps, params }) => ({ body: await getBillingAccount(deps, params.wsId) })),
  implement(endpoints.startPlanCheckout, async ({ deps, params, body, creation }) => ({ status: 201, body: await startPlanCheckout(deps, params.wsId, body.plan, creation.id) })),
  implement(endpoints.openBillingPortal, async ({ deps, params, creation }) => ({ status: 201, body: await openBillingPortal(deps, params.wsId, creation.id) })),
];
