import { AppError } from './errors.js';

/** A run keeps at most `maxPerRun` artifacts by name: a new name past that is refused; replacing one by name never is. */
export function artifactRefusal(replacing: boolean, stored: number, maxPerRun: number): AppError | null {
  if (replacing || stored < maxPerRun) return null;
  return new AppError('conflict', 'artifact_limit', `A run keeps at most ${maxPerRun} artifacts.`);
}
