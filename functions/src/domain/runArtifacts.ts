import { AppError } from './errors.js';

/** A run keeps at most `maxPerRun` artifacts by name: a new name past that is refused; replacing one by name never is. */
export function artifactRefusal(replacing: boolean, stored: number, maxPerRun: number): AppError | null {
  if (replacing || stored < maxPerRun) return null;
  return new AppError('conflict', 'artifact_limit', `A run keeps at most ${maxPerRun} artifacts.`);
}

/** Content types whose bytes are text (redacted like the logs); anything else is binary. */
export function isTextArtifact(contentType: string): boolean {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type.startsWith('text/') || /^application\/([\w.-]+\+)?(json|xml|yaml|x-yaml|x-ndjson|ndjson|csv|javascript|x-sh|sql|graphql|x-www-form-urlencoded)$/.test(type);
}
