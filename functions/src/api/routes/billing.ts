import { endpoints } from '@agent-marketplace/contract';
import { billingOverview, setInstallSpendCap, setWorkspaceSpendCap } from '../../app/billing/spend.js';
import { implement } from '../route.js';

/** Billing: the month's usage and spend, and the spend caps (docs/billing.md). */
export const billingRoutes = [
  implement(endpoints.getBilling, async ({ deps, params, query }) => ({ body: await billingOverview(deps, params.wsId, query.month) })),
  implement(endpoints.setWorkspaceSpendCap, async ({ deps, access, body }) => ({ body: await setWorkspaceSpendCap(deps, access!, body.amountMinor) })),
  implement(endpoints.setInstallSpendCap, async ({ deps, access, params, body }) => ({ body: await setInstallSpendCap(deps, access!, params.installId, body.amountMinor) })),
];
