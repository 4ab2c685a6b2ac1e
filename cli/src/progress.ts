import { formatBytes } from './pack.ts';
import type { Io } from './settings.ts';

/**
 * `publish`'s progress on stderr: on a terminal one status line redrawn in place, elsewhere (a
 * CI log, a pipe) a plain line as each step starts or ends, and under --json nothing, so stdout
 * and stderr stay what scripts parse.
 */
export type Step =
  /** Files read so far and their bytes; `compressedBytes` once the bundle is made. */
  | { step: 'packing'; files: number; bytes: number; compressedBytes?: number }
  | { step: 'uploading'; sent: number; total: number }
  | { step: 'submitted'; label: string }
  /** Time since the submission; `done` once the scan has decided. */
  | { step: 'scanning'; elapsedMs: number; done?: boolean };

export function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const seconds = (ms: number) => `${Math.floor(ms / 1000)} s`;

/** The status line for a terminal `columns` wide (one column is left free: a full line would wrap on some terminals). */
export function statusText(s: Step, columns: number): string {
  let text: string;
  if (s.step === 'packing') text = `Packing: ${plural(s.files, 'file')}, ${formatBytes(s.bytes)}${s.compressedBytes === undefined ? '' : ` (${formatBytes(s.compressedBytes)} compressed)`}`;
  else if (s.step === 'uploading') {
    const fraction = s.total > 0 ? s.sent / s.total : 1;
    text = `Uploading ${bar(fraction, 20)} ${String(Math.floor(fraction * 100)).padStart(3)}%  ${formatBytes(s.sent)} / ${formatBytes(s.total)}`;
  } else if (s.step === 'submitted') text = `Submitted ${s.label}`;
  else text = s.done ? `Scanned in ${seconds(s.elapsedMs)}` : `Scanning: ${seconds(s.elapsedMs)}`;
  const room = Math.max(10, columns - 1);
  return text.length > room ? `${text.slice(0, room - 1)}…` : text;
}

/** The plain line (no terminal) for a step, when it starts or ends a step; null in between. */
export function plainLine(s: Step, prev: Step | null): string | null {
  const starts = prev?.step !== s.step;
  if (s.step === 'packing') return s.compressedBytes === undefined ? null : `Packed ${plural(s.files, 'file')}, ${formatBytes(s.bytes)} (${formatBytes(s.compressedBytes)} compressed).`;
  if (s.step === 'uploading') return starts ? `Uploading ${formatBytes(s.total)}...` : s.sent >= s.total ? `Uploaded ${formatBytes(s.total)}.` : null;
  if (s.step === 'submitted') return null; // stdout says it
  if (s.done) return `The scan decided after ${seconds(s.elapsedMs)}.`;
  return starts ? 'Waiting for the scan...' : null;
}

export interface Progress {
  show(step: Step): void;
  /** Clears the status line (before other output, and at the end). */
  clear(): void;
}

/** Redraws at most this often, except when the step changes or ends. */
const REDRAW_MS = 100;
const CLEAR_LINE = '\r\x1b[2K';

export function createProgress(io: Io, json: boolean, now: () => number = Date.now): Progress {
  if (json) return { show: () => undefined, clear: () => undefined };
  const tty = io.stderrTty;
  let prev: Step | null = null;
  if (!tty) {
    return {
      show(step) {
        const line = plainLine(step, prev);
        prev = step;
        if (line) io.stderr(`${line}\n`);
      },
      clear: () => undefined,
    };
  }
  let drawn = false;
  let drawnAt = -Infinity;
  return {
    show(step) {
      const final = (step.step === 'uploading' && step.sent >= step.total) || (step.step === 'packing' && step.compressedBytes !== undefined) || (step.step === 'scanning' && step.done === true);
      const changed = prev?.step !== step.step;
      prev = step;
      if (!changed && !final && now() - drawnAt < REDRAW_MS) return;
      io.stderr(`${CLEAR_LINE}${statusText(step, tty.columns())}`);
      drawn = true;
      drawnAt = now();
    },
    clear() {
      if (drawn) io.stderr(CLEAR_LINE);
      drawn = false;
      drawnAt = -Infinity;
    },
  };
}
