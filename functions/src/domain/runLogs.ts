import { AppError } from './errors.js';

/**
 * Log chunks of all attempts of a run live in one ordered collection. Each attempt's runner
 * numbers its batches from 0, so the stored sequence number is offset by the attempt.
 */
export const CHUNKS_PER_ATTEMPT = 1_000_000;

export function storedSeq(attempt: number, batchSeq: number): number {
  if (batchSeq >= CHUNKS_PER_ATTEMPT) throw new AppError('invalid', 'log_seq_out_of_range', `Log batch seq must be below ${CHUNKS_PER_ATTEMPT}.`);
  return (attempt - 1) * CHUNKS_PER_ATTEMPT + batchSeq;
}

/** Per attempt: past either limit, the lines are cut, a marker line says so, and the run fails. */
export interface LogLimits {
  maxLines: number;
  maxBytes: number;
}


export interface LogTotals {
  lines: number;
  bytes: number;
}

/**
 * How many of a batch's lines fit under the limits given what the attempt stored before.
 * `kept < lines.length` means the limit is reached with this batch.
 */
export function fitUnderLimits(limits: LogLimits, before: LogTotals, lineBytes: number[]): { kept: number; totals: LogTotals } {
  let { lines, bytes } = before;
  let kept = 0;
  for (const b of lineBytes) {
    if (lines + 1 > limits.maxLines || bytes + b > limits.maxBytes) break;
    lines += 1;
    bytes += b;
    kept += 1;
  }
  return { kept, totals: { lines, bytes } };
}
