/** The agent SDK. Agents import only types from here; the runner passes the context in. */
export type { Agent, AgentContext, AgentLogger, Fields, LogLevel, LogLine } from './types.js';
export { LogBatcher } from './logBatcher.js';
export { RunnerClient, RunnerApiError } from './client.js';
export { Heartbeat } from './heartbeat.js';
