import type { LogLine, Run, RunEvent, RunStreamMessage } from '@agent-marketplace/client';

/**
 * A run as `logs` and `run` print it: for a person, one line per log line and state change; under
 * --json, one JSON object per line (`event`: run, transition, log or end), so a script reads the
 * stream line by line as it comes.
 */

/** `10:11:12.345`: the time of day in UTC; runs are short, the date is in the run. */
const clock = (iso: string) => iso.slice(11, 23);
const MAX_FIELDS_CHARS = 500;

export function logLineText(line: LogLine): string {
  const fields = line.fields && Object.keys(line.fields).length > 0 ? JSON.stringify(line.fields) : '';
  const shown = fields.length > MAX_FIELDS_CHARS ? `${fields.slice(0, MAX_FIELDS_CHARS - 1)}…` : fields;
  return `${clock(line.ts)} ${line.level.toUpperCase().padEnd(5)} ${line.msg}${shown ? `  ${shown}` : ''}`;
}

export function transitionText(e: RunEvent): string {
  return `${clock(e.at)} state ${e.from ?? '-'} -> ${e.to}${e.reason ? ` (${e.reason})` : ''}`;
}

/** The closing lines: how it ended, why it failed, what it returned. */
export function endText(runId: string, state: string, run: Run | null): string {
  const lines = [`Run ${runId} ${state}.`];
  if (run?.error && state !== 'succeeded') lines.push(`  error: ${run.error.code}: ${run.error.message}`);
  if (run?.outputs && Object.keys(run.outputs).length > 0) lines.push(`  outputs: ${JSON.stringify(run.outputs)}`);
  return `${lines.join('\n')}\n`;
}

/** A stream message as JSON lines: a log chunk becomes one object per log line. */
export function messageJsonLines(m: RunStreamMessage): string[] {
  if (m.event === 'logs') return m.data.lines.map((l) => JSON.stringify({ event: 'log', seq: m.data.seq, attempt: m.data.attempt, ...l }));
  if (m.event === 'run') return [JSON.stringify({ event: 'run', run: m.data })];
  return [JSON.stringify({ event: m.event, ...m.data })];
}

/** A stream message as text lines (the run itself is kept for the end, not printed). */
export function messageTextLines(m: RunStreamMessage): string[] {
  if (m.event === 'logs') return m.data.lines.map(logLineText);
  if (m.event === 'transition') {
    const hint = m.data.to === 'awaiting_approval' ? ['  (waiting for a decision on an approval: see the run in the web app)'] : [];
    return [transitionText(m.data), ...hint];
  }
  return [];
}
