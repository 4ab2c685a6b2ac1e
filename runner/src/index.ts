/** The agent SDK. Agents import only types from here; the runner passes the context in. */
export type { Agent, AgentContext, AgentLogger, ApprovalAnswer, ApprovalAsk, Fields, LogLevel, LogLine } from './types.js';
export { LogBatcher } from './logBatcher.js';
export { Heartbeat } from './heartbeat.js';
export type { CloudConnection, Resource, CloudAction, ActionResult, Verb } from './cloud/types.js';
export { CloudActionError, CloudPermissionError, CloudNotFoundError } from './cloud/types.js';
export { SandboxCloud, MemorySandboxStore, type SandboxFixture, type ResourceOverride } from './cloud/sandbox.js';
export type { LlmClient } from './llm.js';
export { OpenAiCompatibleLlm } from './llm.js';
