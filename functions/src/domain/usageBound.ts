import { DEFAULT_MAX_UNITS_PER_RUN } from '@agent-marketplace/contract/manifest';
import { AppError } from './errors.js';
import type { Manifest } from './manifest.js';

/** The most units one run may report: the pricing's bound (versions published before it existed get the default). */
export function maxUnitsPerRun(pricing: Pick<Manifest['pricing'], 'maxUnitsPerRun'> | undefined): number {
  return pricing?.maxUnitsPerRun ?? DEFAULT_MAX_UNITS_PER_RUN;
}

/**
 * Usage an agent reports is a claim: the run's units so far plus this report must stay within
 * the manifest's per-run bound. Over it is an error, never a silent clamp.
 */
export function checkUsage(pricing: Pick<Manifest['pricing'], 'maxUnitsPerRun'> | undefined, unitsSoFar: number, reported: number): AppError | null {
  const max = maxUnitsPerRun(pricing);
  if (unitsSoFar + reported <= max) return null;
  return new AppError(
    'unprocessable',
    'usage_limit_exceeded',
    `The agent reported ${reported} usage units (${unitsSoFar + reported} for the run), above its manifest's bound of ${max} per run; nothing was recorded.`,
  );
}
