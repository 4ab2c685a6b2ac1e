import { AppError, notFound } from '../../domain/errors.js';
import { ARTIFACT_LIMITS, type Artifact } from '../../domain/models.js';
import { isTerminal } from '../../domain/runState.js';
import type { Deps } from '../deps.js';
import type { Principal } from '../shared/principal.js';
import { getRun } from './runs.js';
import { isTextArtifact } from '../../domain/runArtifacts.js';
import type { Redactor } from '../../domain/redaction.js';
import { redactorFor } from './runSecrets.js';

type Runner = Extract<Principal, { kind: 'runner' }>;

/** An execution attaches a file to its run (while the run is live). */
export async function attachArtifact(
  deps: Pick<Deps, 'runArtifacts' | 'clock' | 'installs' | 'secrets'>,
  runner: Runner,
  upload: { name: string; contentType: string; encoding: 'utf8' | 'base64'; content: string },
): Promise<Omit<Artifact, 'content'>> {
  if (isTerminal(runner.run.state)) throw new AppError('conflict', 'run_finished', `The run has already finished (${runner.run.state}).`);
  if (upload.encoding === 'base64' && Buffer.from(upload.content, 'base64').toString('base64').replace(/=+$/, '') !== upload.content.replace(/=+$/, '')) {
    throw new AppError('invalid', 'artifact_encoding_invalid', 'The artifact content is not valid base64.');
  }
  const input = redactArtifact(await redactorFor(deps, runner.run), upload);
  const size = input.encoding === 'utf8' ? Buffer.byteLength(input.content, 'utf8') : Buffer.from(input.content, 'base64').length;
  if (size > ARTIFACT_LIMITS.maxBytes) {
    throw new AppError('too_large', 'artifact_too_large', `An artifact may be at most ${ARTIFACT_LIMITS.maxBytes / 1024} KiB; this one is ${Math.ceil(size / 1024)} KiB.`);
  }
  const artifact: Artifact = { ...input, size, attempt: runner.attempt, createdAt: deps.clock.now() };
  await deps.runArtifacts.putArtifact(runner.wsId, runner.runId, artifact, ARTIFACT_LIMITS.perRun);
  const { content: _content, ...meta } = artifact;
  return meta;
}

/**
 * Text artifacts (by content type, in either encoding) are redacted like the logs; binary ones
 * are kept byte for byte, since rewriting bytes would corrupt the file.
 */
function redactArtifact<A extends { contentType: string; encoding: 'utf8' | 'base64'; content: string }>(redactor: Redactor, artifact: A): A {
  if (!redactor.active) return artifact;
  if (artifact.encoding === 'utf8') return { ...artifact, content: redactor.text(artifact.content) };
  if (!isTextArtifact(artifact.contentType)) return artifact;
  const bytes = Buffer.from(artifact.content, 'base64');
  const text = bytes.toString('utf8');
  // Not UTF-8 after all (a mislabelled file): left as sent rather than mangled.
  if (!Buffer.from(text, 'utf8').equals(bytes)) return artifact;
  const redacted = redactor.text(text);
  return redacted === text ? artifact : { ...artifact, content: Buffer.from(redacted, 'utf8').toString('base64') };
}

export async function listArtifacts(deps: Pick<Deps, 'runs' | 'runArtifacts'>, wsId: string, runId: string) {
  await getRun(deps, wsId, runId);
  return deps.runArtifacts.listArtifacts(wsId, runId);
}

export async function getArtifact(deps: Pick<Deps, 'runs' | 'runArtifacts'>, wsId: string, runId: string, name: string): Promise<Artifact> {
  const artifact = await deps.runArtifacts.getArtifact(wsId, runId, name);
  if (!artifact) throw notFound('Artifact', 'artifact_not_found');
  return artifact;
}
