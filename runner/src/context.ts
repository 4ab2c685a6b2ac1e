import type { AgentMemory } from './memory.js';
import type { CloudConnection } from './cloud/types.js';
import type { LlmClient } from './llm.js';
import type { LogBatcher } from './logBatcher.js';
import type { ApprovalRequestInput } from '@agent-marketplace/contract';
import type { AgentContext, ApprovalAnswer, Fields, LogLevel } from './types.js';

export interface ContextDeps {
  runId: string;
  attempt: number;
  agentId: string;
  input: Record<string, unknown>;
  config: Record<string, unknown>;
  secrets?: Record<string, string>;
  cloud: CloudConnection;
  memory: AgentMemory;
  llm: LlmClient | null;
  logs: Pick<LogBatcher, 'add'>;
  /** Uploads an artifact (the runner API's `artifacts`). */
  upload(artifact: { name: string; contentType: string; encoding: 'utf8' | 'base64'; content: string }): Promise<void>;
  /** Records an approval request (the runner API's `approvalRequest`); pending ones suspend the run, so they never resolve. */
  requestApproval(ask: ApprovalRequestInput): Promise<ApprovalAnswer>;
  /** Sends a heartbeat, with the latest progress if any. */
  beat(progress: { percent: number; message: string } | undefined): void;
  signal: AbortSignal;
}

/** Builds the object an agent receives; outputs accumulate here until completion. */
export function createContext(deps: ContextDeps): { ctx: AgentContext; outputs: Record<string, unknown>; usage: { units: number } } {
  const outputs: Record<string, unknown> = {};
  const usage = { units: 0 };
  let requests = 0;
  const write = (level: LogLevel) => (msg: string, fields?: Fields) => {
    deps.logs.add({ ts: new Date().toISOString(), level, msg: String(msg), ...(fields ? { fields } : {}) });
  };
  const ctx: AgentContext = {
    runId: deps.runId,
    attempt: deps.attempt,
    agentId: deps.agentId,
    input: deps.input,
    config: deps.config,
    secrets: {
      names: Object.keys(deps.secrets ?? {}),
      get: (name: string) => deps.secrets?.[name],
    },
    cloud: deps.cloud,
    memory: deps.memory,
    llm: deps.llm,
    log: { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') },
    progress(percent, message) {
      deps.beat({ percent: Math.max(0, Math.min(100, percent)), message: String(message).slice(0, 500) });
    },
    heartbeat() {
      deps.beat(undefined);
    },
    async artifact(name, content, contentType) {
      const text = typeof content === 'string';
      await deps.upload({
        name,
        contentType: contentType ?? (text ? 'text/plain; charset=utf-8' : 'application/octet-stream'),
        encoding: text ? 'utf8' : 'base64',
        content: text ? content : Buffer.from(content).toString('base64'),
      });
    },
    usage(units) {
      if (!Number.isFinite(units) || units < 0) throw new RangeError(`usage units must be a finite number >= 0, not ${units}`);
      usage.units += units;
    },
    approval: {
      request(ask) {
        requests++;
        return deps.requestApproval({ ...ask, key: ask.key ?? `request-${requests}` });
      },
    },
    output(name, value) {
      outputs[name] = value;
    },
    signal: deps.signal,
  };
  return { ctx, outputs, usage };
}
