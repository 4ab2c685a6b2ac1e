import { streamRun, type Run } from '@agent-marketplace/client';
import { InstallId, RunId, WorkspaceId } from '@agent-marketplace/contract/common';
import { z } from 'zod';
import { checked, type CommandSpec, type ParsedInput } from '../args.ts';
import type { Context } from '../context.ts';
import { UsageError } from '../errors.ts';
import { endText, logLineText, messageJsonLines, messageTextLines } from '../runFormat.ts';

/** Reconnections in a row that bring nothing before `--follow` gives up (the client backs off up to 15 s each). */
const MAX_IDLE_RECONNECTS = 8;
/** Log chunks per page of `logs` without --follow (the API's most). */
const LOG_PAGE_CHUNKS = 100;

const runParams = (input: ParsedInput, command: string) => ({
  wsId: checked(WorkspaceId, input.args['wsId'], '<wsId>', command),
  runId: checked(RunId, input.args['runId'], '<runId>', command),
});

/**
 * Follows a run's stream until it ends, printing as it comes; 0 if it succeeded, else 1.
 * The client resumes a dropped stream from its Last-Event-ID, so nothing prints twice.
 */
async function follow(ctx: Context, params: { wsId: string; runId: string }, run: Run | null): Promise<number> {
  let latest = run;
  for await (const m of streamRun(ctx.api(), params, { maxReconnects: MAX_IDLE_RECONNECTS })) {
    if (m.event === 'run') latest = m.data;
    const lines = ctx.json ? messageJsonLines(m) : messageTextLines(m);
    if (lines.length > 0) ctx.io.stdout(`${lines.join('\n')}\n`);
    if (m.event === 'end') {
      if (!ctx.json) ctx.io.stdout(endText(params.runId, m.data.state, latest));
      return m.data.state === 'succeeded' ? 0 : 1;
    }
  }
  // streamRun ends without `end` only when aborted.
  return 1;
}

export const logs: CommandSpec<Context> = {
  name: 'logs',
  args: ['<wsId>', '<runId>'],
  summary: "A run's log lines; with --follow, live with its state changes until it ends",
  details: [
    'Without --follow: the lines logged so far, then exit 0.',
    'With --follow: the run streamed (log lines and state changes) until it ends; exits 0 if it succeeded, 1 otherwise.',
    'Under --json, one JSON object a line: {"event":"log",...}, and with --follow also "transition", "run" and "end".',
  ].join('\n'),
  options: { follow: { type: 'boolean', description: 'Stream the run until it ends' } },
  async run(ctx, input) {
    const params = runParams(input, 'logs');
    if (input.opts['follow']) return follow(ctx, params, null);
    // Paged by chunk sequence number: `next` is the last chunk read, the next page's `after`.
    let count = 0;
    for (let after = -1; ; ) {
      const page = await ctx.api().call('listRunLogs', { params, query: { after, limit: LOG_PAGE_CHUNKS } });
      if (page.lines.length > 0) {
        count += page.lines.length;
        ctx.io.stdout(`${page.lines.map((l) => (ctx.json ? JSON.stringify({ event: 'log', ...l }) : logLineText(l))).join('\n')}\n`);
      }
      if (page.next <= after) break;
      after = page.next;
    }
    if (count === 0 && !ctx.json) ctx.note('No log lines yet.');
    return 0;
  },
};

/** `--input` as the JSON object a run takes. */
function runInput(raw: unknown): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(String(raw));
  } catch (err) {
    throw new UsageError(`--input is not JSON: ${(err as Error).message}`, 'run');
  }
  return checked(z.record(z.string(), z.unknown()), value, '--input (a JSON object)', 'run');
}

export const triggerRun: CommandSpec<Context> = {
  name: 'run',
  args: ['<wsId>', '<installId>'],
  summary: 'Run an install now (a test run); with --follow, stream its logs until it ends',
  details: [
    "The input is checked against the agent's inputs schema by the API.",
    'With --follow: exits 0 if the run succeeded, 1 otherwise (as logs --follow).',
  ].join('\n'),
  options: {
    input: { type: 'string', value: 'json', description: 'The run\'s input, a JSON object (default {})' },
    follow: { type: 'boolean', description: 'Stream the run until it ends' },
  },
  async run(ctx, input) {
    const wsId = checked(WorkspaceId, input.args['wsId'], '<wsId>', 'run');
    const installId = checked(InstallId, input.args['installId'], '<installId>', 'run');
    const body = { input: runInput(input.opts['input']) ?? {} };
    const run = await ctx.api().call('triggerRun', { params: { wsId, installId }, body });
    const created = `Run ${run.id} ${run.state}: ${run.agentId} ${run.agentVersion} (install ${installId}).\n`;
    if (!input.opts['follow']) {
      ctx.result(run, created);
      return 0;
    }
    ctx.io.stdout(ctx.json ? `${JSON.stringify({ event: 'run', run })}\n` : created);
    return follow(ctx, { wsId, runId: run.id }, run);
  },
};
