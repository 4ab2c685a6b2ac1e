import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createContext } from './context.js';
import { InMemoryMemory, type AgentMemory } from './memory.js';
import { MemorySandboxStore, SandboxCloud, type SandboxFixture } from './cloud/sandbox.js';
import type { LlmClient } from './llm.js';
import type { ApprovalRequestInput } from '@agent-marketplace/contract';
import type { Agent, AgentContext, LogLine } from './types.js';

/**
 * Runs an agent's default export on its own fixtures, with the same SDK context and sandbox
 * cloud the runner gives it, and the permissions and approvals its agent.yaml declares.
 */
export interface AgentTestRun {
  outputs: Record<string, unknown>;
  returned: Record<string, unknown> | void;
  logs: LogLine[];
  progress: { percent: number; message: string }[];
  /** Files the agent attached, by name. */
  artifacts: Record<string, { contentType: string; encoding: 'utf8' | 'base64'; content: string }>;
  /** Billing units the agent reported. */
  usage: { units: number };
  store: MemorySandboxStore;
  ctx: AgentContext;
  /** Requests the agent made (ctx.approval.request), in order, with the decision it was given. */
  requests: Array<ApprovalRequestInput & { decision: 'approve' | 'reject' | null }>;
  /** Set when the agent asked for a decision `decisions` did not give: the run would suspend here (and `returned` is undefined). */
  suspended: { key: string; summary: string } | null;
}

export interface AgentTestOptions {
  input?: Record<string, unknown>;
  config?: Record<string, unknown>;
  secrets?: Record<string, string>;
  llm?: LlmClient | null;
  /** Run these gated actions as if already approved: done, not proposed. */
  approved?: string[];
  /** Gate these actions too, as a manifest that listed them under `approvals` would: proposed, not done. */
  gated?: string[];
  /**
   * Decisions on the agent's requests (ctx.approval.request), by key: the call answers them as a
   * resumed run would. A request without one suspends the test run as the platform would.
   */
  decisions?: Record<string, 'approve' | 'reject'>;
  /** Reuse a sandbox from an earlier run, to see that actions persist. */
  store?: MemorySandboxStore;
  /** Reuse memory from an earlier run (an InMemoryMemory), to see what one run leaves the next; by default a fresh one at the manifest's levels. */
  memory?: AgentMemory;
  fixture?: SandboxFixture;
}

export async function runAgentForTest(agentDir: string, options: AgentTestOptions = {}): Promise<AgentTestRun> {
  const { parse } = await import('yaml');
  const manifest = parse(await readFile(path.join(agentDir, 'agent.yaml'), 'utf8')) as {
    permissions?: { scope: string }[];
    approvals?: { action: string }[];
    memory?: string[];
    runtime: { local: { entry: string } };
  };
  const fixture =
    options.fixture ?? (JSON.parse(await readFile(path.join(agentDir, 'fixtures', 'cloud.json'), 'utf8')) as SandboxFixture);
  const store = options.store ?? new MemorySandboxStore();
  const approved = new Set(options.approved ?? []);
  const cloud = new SandboxCloud(fixture, store, {
    scopes: new Set((manifest.permissions ?? []).map((p) => p.scope)),
    gated: new Set([...(manifest.approvals ?? []).map((a) => a.action), ...(options.gated ?? [])].filter((a) => !approved.has(a))),
  });
  const logs: LogLine[] = [];
  const progress: { percent: number; message: string }[] = [];
  const artifacts: AgentTestRun['artifacts'] = {};
  const requests: AgentTestRun['requests'] = [];
  let suspendWith: (ask: { key: string; summary: string }) => void = () => undefined;
  const suspension = new Promise<{ key: string; summary: string }>((resolve) => (suspendWith = resolve));
  const { ctx, outputs, usage } = createContext({
    runId: 'test-run',
    attempt: 1,
    agentId: path.basename(agentDir),
    input: options.input ?? {},
    config: options.config ?? {},
    secrets: options.secrets ?? {},
    cloud,
    memory: options.memory ?? new InMemoryMemory(manifest.memory ?? []),
    llm: options.llm ?? null,
    logs: { add: (line) => void logs.push(line) },
    beat: (p) => {
      if (p) progress.push(p);
    },
    upload: async ({ name, ...file }) => void (artifacts[name] = file),
    requestApproval: async (ask) => {
      const decision = options.decisions?.[ask.key] ?? null;
      requests.push({ ...ask, decision });
      if (!decision) {
        suspendWith({ key: ask.key, summary: ask.summary });
        return new Promise<never>(() => undefined);
      }
      const at = new Date().toISOString();
      return {
        approvalId: `test-${ask.key}`,
        state: decision === 'approve' ? 'approved' : 'rejected',
        approved: decision === 'approve',
        decisions: [{ level: 0, by: 'test-approver', byName: 'Test approver', decision, comment: '', at }],
      };
    },
    signal: new AbortController().signal,
  });
  const mod = (await import(path.join(agentDir, manifest.runtime.local.entry))) as { default: Agent };
  const ended = await Promise.race([mod.default(ctx).then((returned) => ({ returned })), suspension.then((suspended) => ({ suspended }))]);
  const returned = 'returned' in ended ? ended.returned : undefined;
  if (returned && typeof returned === 'object') Object.assign(outputs, returned);
  JSON.stringify(outputs);
  return { outputs, returned, logs, progress, artifacts, usage, store, ctx, requests, suspended: 'suspended' in ended ? ended.suspended : null };
}
