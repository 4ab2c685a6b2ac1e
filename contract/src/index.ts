/**
 * @agent-marketplace/contract: the one contract between the API, the web client, the runner
 * and the execution environment. Pure zod; imports nothing else.
 *
 * The resource modules (`catalog`, `runs`, ...) hold the shapes; `endpoints/` binds them to
 * operations. Each module is also its own entry (`@agent-marketplace/contract/runs`), so code
 * that needs a few shapes (the platform's domain, the dispatcher) loads those alone.
 */
export * from './common.js';
export * from './roles.js';
export * from './manifest.js';
export * from './scanReport.js';
export * from './catalog.js';
export * from './workspaces.js';
export * from './installs.js';
export * from './runs.js';
export * from './runner.js';
export * from './sandbox.js';
export * from './cloud.js';
export * from './memory.js';
export * from './webhooks.js';
export * from './events.js';
export * from './approvals.js';
export * from './notifications.js';
export * from './billing.js';
export * from './billingAccount.js';
export * from './invoices.js';
export * from './publishing.js';
export * from './meta.js';
export * from './execution.js';
export * from './redaction.js';
export * from './endpoint.js';
export * from './endpoints/index.js';
export * from './routes.js';
export * from './openapi.js';
