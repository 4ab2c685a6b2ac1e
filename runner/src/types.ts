import type { AgentMemory } from './memory.js';
import type { CloudConnection } from './cloud/types.js';
import type { LlmClient } from './llm.js';

/** The agent SDK's public surface: what an agent's default export receives. */
import type { ApprovalRequestAnswer, ApprovalRequestInput, LogLevel, LogLine } from '@agent-marketplace/contract';

export type { LogLevel, LogLine };

/** What an agent asks people (`ctx.approval.request`); `key` names it in the run (default: request-1, request-2, ... in call order). */
export type ApprovalAsk = Omit<ApprovalRequestInput, 'key'> & { key?: string };
/** The recorded decision on a request: approved, or rejected, expired or withdrawn (`approved` false), with who decided and their comments. */
export type ApprovalAnswer = Omit<ApprovalRequestAnswer, 'decided'>;
export type Fields = Record<string, unknown>;

export interface AgentLogger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

export interface AgentContext {
  runId: string;
  attempt: number;
  agentId: string;
  /** The run's input, as given by the trigger (validated against the manifest's inputs schema). */
  input: Record<string, unknown>;
  /** The install's configuration (validated against the manifest's config schema). */
  config: Record<string, unknown>;
  /** The install's secrets (as set in the wizard's connect step); undefined when not set. */
  secrets: { names: readonly string[]; get(name: string): string | undefined };
  /** The customer's cloud (locally, the workspace's sandbox account). */
  cloud: CloudConnection;
  /** What the agent keeps across runs of its install, at the levels its manifest declares (docs/memory.md). */
  memory: AgentMemory;
  /** A language model when the platform has one configured, else null: skip the LLM step and say so. */
  llm: LlmClient | null;
  log: AgentLogger;
  /** Reports progress (coalesced: the platform stores at most about one update a second). */
  progress(percent: number, message: string): void;
  /** Tells the platform the agent is alive during long quiet work. */
  heartbeat(): void;
  /**
   * Reports billing units used (what a unit is, the agent's pricing says: resources scanned,
   * actions taken). Adds up; sent with the outcome.
   */
  usage(units: number): void;
  /**
   * Attaches a file to the run (a report, a CSV): text or bytes, up to 512 KiB, 20 per run.
   * Uploaded at once; the same name replaces the earlier file.
   */
  artifact(name: string, content: string | Uint8Array, contentType?: string): Promise<void>;
  approval: {
    /**
     * Asks people before going on, and answers their decision. The run is suspended meanwhile
     * (its execution ends; nothing is held); once decided, a new execution runs the agent again
     * from the start, where this same call (the same `key`) answers the recorded decision at
     * once. So the code before it must be repeatable: reading is fine, acting twice is not
     * (gated actions are: proposing one again answers the same proposal). Unnamed requests are
     * keyed by their order in the run: name them when that order may change between executions.
     */
    request(ask: ApprovalAsk): Promise<ApprovalAnswer>;
  };
  /** Sets a named output of the run (JSON); all outputs are sent when the run completes. */
  output(name: string, value: unknown): void;
  /** Aborted when the run is cancelled or times out. */
  signal: AbortSignal;
}

/** What an agent module exports by default. Returning an object merges it into the outputs. */
export type Agent = (ctx: AgentContext) => Promise<Record<string, unknown> | void>;
