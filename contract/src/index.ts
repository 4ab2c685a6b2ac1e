/**
 * @agent-marketplace/contract: the one contract between the API, the web client, the runner
 * and the execution environment. Pure zod; imports nothing else.
 */
export * from './common.js';
export * from './roles.js';
export * from './manifest.js';
export * from './catalog.js';
export * from './workspaces.js';
export * from './installs.js';
export * from './runs.js';
export * from './runner.js';
export * from './webhooks.js';
export * from './meta.js';
export * from './execution.js';
export * from './endpoint.js';
export * from './endpoints.js';
export * from './routes.js';
export * from './openapi.js';
