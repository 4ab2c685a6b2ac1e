/**
 * @agent-marketplace/client: a small typed client of the Agent Marketplace API, built from
 * its contract (`@agent-marketplace/contract`). It carries no schemas at run time, only the
 * route table, so it stays small in a browser bundle.
 */
export { createClient, type ArgList, type CallArgs, type Client, type ClientOptions, type Credential, type RequestOptions } from './client.js';
export { items, pages } from './paging.js';
export { streamRun, type RunStreamMessage, type StreamOptions } from './stream.js';
export { createRunnerClient, startRunnerSession, type RunnerClient, type RunnerClientOptions, type RunnerOperation } from './runner.js';
export { verifyApprovalLog } from './approvalLog.js';
export { ApiError, describeInEnglish, retryAfterSeconds, type DescribeError } from './errors.js';
export { sseParser, type SseEvent } from './sse.js';
export { verifyWebhookSignature, WEBHOOK_HEADERS, type VerifyWebhookOptions, type WebhookVerification } from './webhookSignature.js';
export type * from '@agent-marketplace/contract';
/** Secrets shorter than this are refused: they could not be redacted from run logs. */
export { SECRET_MIN_LENGTH } from '@agent-marketplace/contract/redaction';
