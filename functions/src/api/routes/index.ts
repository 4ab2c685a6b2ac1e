import { API_VERSION, buildOpenApi, endpoints, type OperationId } from '@agent-marketplace/contract';
import { implement, type RouteDef } from '../route.js';
import { apiKeyRoutes } from './apiKeys.js';
import { billingAccountRoutes } from './billingAccount.js';
import { approvalRoutes } from './approvals.js';
import { billingRoutes } from './billing.js';
import { catalogRoutes } from './catalog.js';
import { cloudRoutes } from './cloud.js';
import { installRoutes } from './installs.js';
import { installMemoryRoutes } from './installMemory.js';
import { invoiceRoutes } from './invoices.js';
import { invitationRoutes, memberRoutes } from './members.js';
import { notificationRoutes } from './notifications.js';
import { publishingRoutes } from './publishing.js';
import { runnerRoutes } from './runner.js';
import { memoryRoutes } from './memory.js';
import { runRoutes } from './runs.js';
import { sessionRoutes } from './sessions.js';
import { webhookRoutes } from './webhooks.js';
import { workspaceRoutes } from './workspaces.js';

export { API_VERSION };

let openApiCache: Record<string, unknown> | undefined;

const metaRoutes: RouteDef[] = [
  implement(endpoints.health, async () => ({ body: { status: 'ok', version: API_VERSION } })),
  implement(endpoints.openapi, async () => ({ body: (openApiCache ??= buildOpenApi(Object.values(endpoints), API_VERSION)) })),
];

/** Every route the API serves: the router and the guard tests read this list. */
export const allRoutes: readonly RouteDef[] = [
  ...metaRoutes,
  ...catalogRoutes,
  ...workspaceRoutes,
  ...memberRoutes,
  ...invitationRoutes,
  ...apiKeyRoutes,
  ...sessionRoutes,
  ...installRoutes,
  ...installMemoryRoutes,
  ...cloudRoutes,
  ...runRoutes,
  ...approvalRoutes,
  ...billingRoutes,
  ...notificationRoutes,
  ...publishingRoutes,
  ...billingAccountRoutes,
  ...invoiceRoutes,
  ...webhookRoutes,
  ...runnerRoutes,
  ...memoryRoutes,
];

// Every operation of the contract has exactly one handler: checked when the module loads.
const served = new Map<string, number>();
for (const r of allRoutes) served.set(r.operationId, (served.get(r.operationId) ?? 0) + 1);
const wrong = (Object.keys(endpoints) as OperationId[]).filter((op) => served.get(op) !== 1);
if (wrong.length > 0 || served.size !== Object.keys(endpoints).length) {
  throw new Error(`the API must serve each contract operation exactly once; check: ${wrong.join(', ') || [...served.keys()].filter((k) => !(k in endpoints)).join(', ')}`);
}
