import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createContext } from './context.js';
import { MemorySandboxStore, SandboxCloud, type SandboxFixture } from './cloud/sandbox.js';
import type { LlmClient } from './llm.js';
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
  /** Reuse a sandbox from an earlier run, to see that actions persist. */
  store?: MemorySandboxStore;
  fixture?: SandboxFixture;
}

export async function runAgentForTest(agentDir: string, options: AgentTestOptions = {}): Promise<AgentTestRun> {
  const { parse } = await import('yaml');
  const manifest = parse(await readFile(path.join(agentDir, 'agent.yaml'), 'utf8')) as {
    permissions?: { scope: string }[];
    approvals?: { action: string }[];
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
  const { ctx, outputs, usage } = createContext({
    runId: 'test-run',
    attempt: 1,
    agentId: path.basename(agentDir),
    input: options.input ?? {},
    config: options.config ?? {},
    secrets: options.secrets ?? {},
    cloud,
    llm: options.llm ?? null,
    logs: { add: (line) => void logs.push(line) },
    beat: (p) => {
      if (p) progress.push(p);
    },
    upload: async ({ name, ...file }) => void (artifacts[name] = file),
    signal: new AbortController().signal,
  });
  const mod = (await import(path.join(agentDir, manifest.runtime.local.entry))) as { default: Agent };
  const returned = await mod.default(ctx);
  if (returned && typeof returned === 'object') Object.assign(outputs, returned);
  JSON.stringify(outputs);
  return { outputs, returned, logs, progress, artifacts, usage, store, ctx };
}
