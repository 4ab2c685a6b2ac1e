import { MAX_BUNDLE_BYTES } from '@agent-marketplace/contract/publishing';
import type { AgentListing } from '../../domain/models.js';
import { afterBuild, afterScan, publish, withHistory, type VersionRecord } from '../../domain/versions.js';
import { listingOf } from '../catalog/publishAgent.js';
import type { Deps } from '../deps.js';
import { notifyDevelopers } from './developerNotices.js';
import type { BuildState, PipelineTask } from './ports.js';

/**
 * A version's pipeline, one background task per step (docs/publishing.md "Pipeline"): scan a
 * submission; after approval, build its image, then deploy its job and publish it. Each step
 * reads the version, does its work, and moves the state in a transaction that re-checks it,
 * so a task delivered twice (or one of a replaced submission) changes nothing the second time.
 * Failures of the platform's own calls throw: the queue retries the task.
 */
export type PipelineDeps = Pick<Deps, 'versions' | 'blobs' | 'pipelineQueue' | 'deployer' | 'versionScanner' | 'publishers' | 'notifiers' | 'clock'>;

/** A build is polled this often, and given up after this many polls (Cloud Build's own timeout is shorter). */
export const BUILD_POLL_SECONDS = 15;
export const MAX_BUILD_POLLS = 120;
/** A deployed job that is not ready yet is looked at again this often, this many times. */
export const DEPLOY_POLL_SECONDS = 10;
export const MAX_DEPLOY_POLLS = 30;

export type StepOutcome = 'stale' | 'done' | 'waiting';

const bundleTag = (v: VersionRecord) => v.bundle.sha256.slice(0, 16);

export async function runPipelineStep(deps: PipelineDeps, task: PipelineTask): Promise<StepOutcome> {
  const record = await deps.versions.get(task.agentId, task.version);
  if (!record || bundleTag(record) !== task.bundle) return 'stale';
  switch (task.step) {
    case 'scan':
      return scanStep(deps, record);
    case 'build':
      return buildStep(deps, record, task);
    case 'deploy':
      return deployStep(deps, record, task);
  }
}

async function scanStep(deps: PipelineDeps, record: VersionRecord): Promise<StepOutcome> {
  if (record.state !== 'submitted') return 'stale';
  const bytes = await deps.blobs.get(record.bundle.key, { maxBytes: MAX_BUNDLE_BYTES });
  const report = { ...(await deps.versionScanner(record.yaml, bytes)), scannedAt: deps.clock.now().toISOString() };
  let moved = false;
  const stored = await deps.versions.update(record.agentId, record.version, (current) => {
    if (current.bundle.sha256 !== record.bundle.sha256 || current.state !== 'submitted') return current;
    moved = true;
    return afterScan(current, report, deps.clock.now());
  });
  if (moved) {
    await notifyDevelopers(
      deps,
      stored,
      stored.state === 'in_review'
        ? { subject: `${stored.agentId}@${stored.version} passed the scan and waits for review`, body: 'A platform admin reviews it next; you will hear when they decide.' }
        : { subject: `${stored.agentId}@${stored.version} was stopped by the scan`, body: `${stored.history.at(-1)?.note ?? 'A blocking check failed.'}\nSee the scan report, fix the bundle and submit the version again.` },
    );
  }
  return 'done';
}

async function buildStep(deps: PipelineDeps, record: VersionRecord, task: PipelineTask): Promise<StepOutcome> {
  if (record.state !== 'approved' || record.build?.state === 'succeeded') return 'stale';
  const started: BuildState =
    task.poll === 0 || !record.build?.buildId
      ? await deps.deployer.startBuild({ agentId: record.agentId, version: record.version, manifest: record.manifest, bundle: { key: record.bundle.key, sha256: record.bundle.sha256 } })
      : await deps.deployer.buildStatus(record.build.buildId);
  const gaveUp = started.state === 'working' && task.poll >= MAX_BUILD_POLLS;
  const build = {
    buildId: started.buildId,
    state: gaveUp ? ('failed' as const) : started.state,
    image: started.state === 'succeeded' ? started.image : null,
    reason: started.state === 'failed' ? started.reason : gaveUp ? `The build did not finish within ${Math.round((MAX_BUILD_POLLS * BUILD_POLL_SECONDS) / 60)} minutes.` : null,
    logUrl: started.logUrl,
  };
  const stored = await deps.versions.update(record.agentId, record.version, (current) =>
    current.bundle.sha256 !== record.bundle.sha256 || current.state !== 'approved' ? current : afterBuild(current, build, deps.clock.now()),
  );
  if (build.state === 'working') {
    await deps.pipelineQueue.enqueue({ ...task, poll: task.poll + 1 }, { delaySeconds: BUILD_POLL_SECONDS });
    return 'waiting';
  }
  if (build.state === 'succeeded') {
    await deps.pipelineQueue.enqueue({ agentId: record.agentId, version: record.version, step: 'deploy', bundle: task.bundle, poll: 0 });
    return 'done';
  }
  if (stored.state === 'build_failed') {
    await notifyDevelopers(deps, stored, { subject: `${stored.agentId}@${stored.version}: the image build failed`, body: `${build.reason ?? 'The build failed.'}${build.logUrl ? `\nBuild log: ${build.logUrl}` : ''}` });
  }
  return 'done';
}

/** The listing a published version makes (marketplace counters are kept by the store). */
const publishedListing = (now: Date) => (manifest: VersionRecord['manifest'], latest: string): AgentListing => ({ ...listingOf(manifest, now), latestVersion: latest });

async function deployStep(deps: PipelineDeps, record: VersionRecord, task: PipelineTask): Promise<StepOutcome> {
  if (record.state !== 'approved' || record.build?.state !== 'succeeded' || !record.build.image) return 'stale';
  if (task.poll === 0) await deps.deployer.deployJob(record.manifest, record.build.image);
  const readiness = await deps.deployer.jobReadiness(record.agentId, record.version);
  if (!readiness.ready) {
    if (task.poll < MAX_DEPLOY_POLLS) {
      await deps.pipelineQueue.enqueue({ ...task, poll: task.poll + 1 }, { delaySeconds: DEPLOY_POLL_SECONDS });
      return 'waiting';
    }
    const stored = await deps.versions.update(record.agentId, record.version, (current) =>
      current.state !== 'approved' ? current : withHistory({ ...current, build: { ...current.build!, state: 'failed', reason: readiness.reason } }, 'build_failed', 'system:deploy', deps.clock.now(), readiness.reason),
    );
    await notifyDevelopers(deps, stored, { subject: `${stored.agentId}@${stored.version}: its job did not become ready`, body: readiness.reason });
    return 'done';
  }
  let moved = false;
  const stored = await deps.versions.updateAndRelist(
    record.agentId,
    record.version,
    (current) => {
      if (current.state !== 'approved') return current;
      moved = true;
      return publish(current, deps.clock.now());
    },
    publishedListing(deps.clock.now()),
  );
  if (moved) await notifyDevelopers(deps, stored, { subject: `${stored.agentId}@${stored.version} is published`, body: 'It is in the catalog now; customers can install it.' });
  return 'done';
}
