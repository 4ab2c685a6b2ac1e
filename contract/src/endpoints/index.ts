import type { z } from 'zod';
import type { Endpoint } from '../endpoint.js';
import type { OperationId } from '../routes.js';
import { approvalEndpoints } from './approvals.js';
import { billingEndpoints } from './billing.js';
import { billingAccountEndpoints } from './billingAccount.js';
import { catalogEndpoints } from './catalog.js';
import { cloudEndpoints } from './cloud.js';
import { installEndpoints } from './installs.js';
import { installMemoryEndpoints } from './installMemory.js';
import { invoiceEndpoints } from './invoices.js';
import { memoryEndpoints } from './memory.js';
import { metaEndpoints } from './meta.js';
import { notificationEndpoints } from './notifications.js';
import { publishingEndpoints } from './publishing.js';
import { runEndpoints } from './runs.js';
import { runnerEndpoints } from './runner.js';
import { webhookEndpoints } from './webhooks.js';
import { workspaceEndpoints } from './workspaces.js';

/**
 * Every operation of the API (user API and runner API), by operation id. The API's router
 * attaches a handler to each, `/v1/openapi.json` is generated from them, and the typed client
 * takes its types from them. The `satisfies` clause makes a route without a definition, or a
 * definition under the wrong id, a type error.
 */
export const endpoints = {
  ...metaEndpoints,
  ...catalogEndpoints,
  ...workspaceEndpoints,
  ...installEndpoints,
  ...installMemoryEndpoints,
  ...cloudEndpoints,
  ...runEndpoints,
  ...approvalEndpoints,
  ...billingEndpoints,
  ...notificationEndpoints,
  ...billingAccountEndpoints,
  ...invoiceEndpoints,
  ...publishingEndpoints,
  ...webhookEndpoints,
  ...runnerEndpoints,
  ...memoryEndpoints,
} satisfies { [Op in OperationId]: Endpoint<Op> };

export type Endpoints = typeof endpoints;

type Field<E, K extends 'params' | 'query' | 'body'> = E extends { readonly [P in K]: infer S extends z.ZodType } ? S : undefined;
type In<S> = S extends z.ZodType ? z.input<S> : undefined;

/** What a caller sends: path parameters, query, body (undefined where the operation takes none). */
export type ParamsOf<Op extends OperationId> = In<Field<Endpoints[Op], 'params'>>;
export type QueryOf<Op extends OperationId> = In<Field<Endpoints[Op], 'query'>>;
export type BodyOf<Op extends OperationId> = In<Field<Endpoints[Op], 'body'>>;
/** What a caller gets back on success (JSON: times are ISO strings). */
export type ResponseOf<Op extends OperationId> = z.output<Endpoints[Op]['response']['schema']>;

/** Operations that list with cursors: their query takes `cursor` and their answer has `items` and `nextCursor`. */
export type PagedOperation = {
  [Op in OperationId]: ResponseOf<Op> extends { items: unknown[]; nextCursor: string | null } ? (QueryOf<Op> extends { cursor?: unknown } ? Op : never) : never;
}[OperationId];
export type ItemOf<Op extends PagedOperation> = ResponseOf<Op> extends { items: (infer T)[] } ? T : never;
