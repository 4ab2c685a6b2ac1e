import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { protos as buildProtos } from '@google-cloud/cloudbuild';
import { protos as runProtos } from '@google-cloud/run';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  BUILD_STATUSES,
  buildRequest,
  buildState,
  contextScript,
  imageNameFor,
  platformDockerfile,
  reuseFilter,
  type BuildsApi,
  type CloudBuildOptions,
} from '../src/adapters/deploy/cloudBuild.ts';
import { CloudVersionDeployer } from '../src/adapters/deploy/cloudDeployer.ts';
import { jobDefinition, jobMatches, readinessOf, updateJobRequest, type JobsApi } from '../src/adapters/deploy/cloudRunJobs.ts';
import type { BuildRequest } from '../src/app/publishing/ports.ts';
import { parseManifest } from '../src/app/catalog/publishAgent.ts';
import { AppError } from '../src/domain/errors.ts';

type Build = buildProtos.google.devtools.cloudbuild.v1.IBuild;
type Job = runProtos.google.cloud.run.v2.IJob;

const SHA = 'ab12cd34ef56'.padEnd(64, '0');
const DIGEST = `sha256:${'d'.repeat(64)}`;
const BASE = `europe-west1-docker.pkg.dev/acme-prod/platform/runner@sha256:${'b'.repeat(64)}`;

const manifestYaml = (extra = '') => `
id: cost-anomaly-detector
name: Cost Anomaly Detector
version: 1.2.0
publisher: acme
summary: Finds unusual spend in billing data.
categories: [finops]
runtime:
  local:
    entry: src/index.ts
resources:
  cpu: 2
  memoryMiB: 1024
  timeoutSeconds: 600
pricing:
  model: free
license: MIT
support:
  email: dev@example.test
${extra}`;
const manifest = parseManifest(manifestYaml());

const BUILD: CloudBuildOptions = {
  projectId: 'acme-prod',
  region: 'europe-west1',
  bundleBucket: 'acme-prod-bundles',
  repository: 'agents',
  runnerBaseImage: BASE,
  serviceAccount: 'agent-builder@acme-prod.iam.gserviceaccount.com',
};
const JOBS = { projectId: 'acme-prod', region: 'europe-west1', serviceAccount: 'agent-runner@acme-prod.iam.gserviceaccount.com', egress: { network: 'agents', subnetwork: 'agents-egress' } };
const REQUEST: BuildRequest = { agentId: 'cost-anomaly-detector', version: '1.2.0', manifest, bundle: { key: 'bundles/cost-anomaly-detector/1.2.0.tgz', sha256: SHA } };
const IMAGE = 'europe-west1-docker.pkg.dev/acme-prod/agents/cost-anomaly-detector:1.2.0-ab12cd34ef56';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${(err as Error).message}`;
  }
  return undefined;
}

/**
 * Through the library's own message types: a field they do not know, or an enum name they do
 * not define, is dropped by fromObject, so the round trip shows it.
 */
function roundTrip<T extends object>(type: { fromObject(o: object): unknown; toObject(m: never, o: object): object }, value: T): object {
  return type.toObject(type.fromObject(value) as never, { enums: String, longs: Number });
}

describe('Cloud Build request', () => {
  it('builds the bundle from Cloud Storage with the platform Dockerfile and pushes one image to Artifact Registry', () => {
    const req = buildRequest(BUILD, REQUEST);
    expect(req.parent).toBe('projects/acme-prod/locations/europe-west1');
    expect(req.projectId).toBe('acme-prod');
    const build = req.build;
    expect(build.source).toEqual({ storageSource: { bucket: 'acme-prod-bundles', object: 'bundles/cost-anomaly-detector/1.2.0.tgz' } });
    expect(build.images).toEqual([IMAGE]);
    expect(imageNameFor(BUILD, REQUEST)).toBe(IMAGE);
    expect(build.serviceAccount).toBe('projects/acme-prod/serviceAccounts/agent-builder@acme-prod.iam.gserviceaccount.com');
    expect(build.options).toEqual({ logging: 'CLOUD_LOGGING_ONLY', substitutionOption: 'ALLOW_LOOSE' });
    expect(build.timeout).toEqual({ seconds: 1200 });
    expect(build.tags).toEqual(['agent-marketplace', 'version-1.2.0', 'agent-cost-anomaly-detector', `bundle-${SHA.slice(0, 20)}`]);
    expect(build.substitutions).toEqual({ _AGENT_ID: 'cost-anomaly-detector', _AGENT_VERSION: '1.2.0', _BUNDLE_SHA256: SHA });
    expect(reuseFilter(REQUEST)).toBe(`tags="bundle-${SHA.slice(0, 20)}" AND tags="agent-cost-anomaly-detector"`);

    const [context, image] = build.steps;
    expect(context!.id).toBe('context');
    expect(context!.script).toContain(platformDockerfile(BUILD, manifest).trimEnd());
    expect(image!.name).toBe('gcr.io/cloud-builders/docker');
    expect(image!.args).toEqual([
      'build',
      '--file=/platform/context/Dockerfile',
      `--tag=${IMAGE}`,
      '--label=dev.agent-marketplace.agent=cost-anomaly-detector',
      '--label=dev.agent-marketplace.version=1.2.0',
      `--label=dev.agent-marketplace.bundle-sha256=${SHA}`,
      '/platform/context',
    ]);
    // No step reads the bundle's own Dockerfile: the only one is the platform's, outside the agent's folder.
    expect(JSON.stringify(build.steps)).not.toMatch(/\/workspace\/Dockerfile|--file=\/workspace/);
    // Cloud Build substitutes `$VAR` in args: none may carry a `$`.
    expect(build.steps.flatMap((s) => ('args' in s ? s.args : []))).not.toContainEqual(expect.stringContaining('$'));
  });

  it('is a CreateBuildRequest the client library knows field by field', () => {
    const req = buildRequest(BUILD, REQUEST);
    expect(roundTrip(buildProtos.google.devtools.cloudbuild.v1.CreateBuildRequest, req)).toEqual(req);
    // The check can fail: an unknown field or enum name does not survive it.
    const bad = { ...req, build: { ...req.build, options: { logging: 'CLOUD_LOGGING' }, serviceAcount: 'x' } };
    expect(roundTrip(buildProtos.google.devtools.cloudbuild.v1.CreateBuildRequest, bad)).not.toEqual(bad);
  });

  it('writes the platform Dockerfile: the pinned runner base, the agent under /agent, lockfile installs without scripts, the entry, a non-root user', () => {
    const text = platformDockerfile(BUILD, manifest);
    const lines = text.trim().split('\n').filter((l) => !l.startsWith('#'));
    expect(lines).toEqual([
      `FROM ${BASE}`,
      'COPY agent/ /agent/',
      'WORKDIR /agent',
      'RUN if [ -f package-lock.json ] || [ -f npm-shrinkwrap.json ]; then npm ci --omit=dev --ignore-scripts --no-audit --no-fund; fi',
      'ENV AGENT_ENTRY=/agent/src/index.ts',
      'USER 1000:1000',
      'ENTRYPOINT ["node", "--permission", "--allow-fs-read=/app", "--allow-fs-read=/agent", "--disable-warning=ExperimentalWarning", "/app/runner.js"]',
    ]);
    expect(lines.filter((l) => l.startsWith('USER')).at(-1)).not.toMatch(/USER (root|0)\b/);
  });

  it('refuses an unpinned base image, a broad build identity, a bad bundle hash or key, and a manifest of another version', () => {
    expect(codeOf(() => buildRequest({ ...BUILD, runnerBaseImage: 'node:24-slim' }, REQUEST))).toBe('runner_base_unpinned');
    expect(codeOf(() => buildRequest({ ...BUILD, serviceAccount: '123456@cloudbuild.gserviceaccount.com' }, REQUEST))).toBe('build_identity_unsafe');
    expect(codeOf(() => buildRequest({ ...BUILD, serviceAccount: '123456-compute@developer.gserviceaccount.com' }, REQUEST))).toBe('build_identity_unsafe');
    expect(codeOf(() => buildRequest(BUILD, { ...REQUEST, bundle: { ...REQUEST.bundle, sha256: 'ABC' } }))).toBe('bundle_sha_invalid');
    for (const key of ['../etc/passwd', 'bundles/../x', 'bundles/./x', '/abs', 'a//b', 'sp ace']) {
      expect(codeOf(() => buildRequest(BUILD, { ...REQUEST, bundle: { ...REQUEST.bundle, key } })), key).toBe('blob_key_invalid');
    }
    expect(codeOf(() => buildRequest(BUILD, { ...REQUEST, bundle: { ...REQUEST.bundle, key: 'bundles/a..b/.hidden/x.tgz' } }))).toBeUndefined();
    expect(codeOf(() => buildRequest(BUILD, { ...REQUEST, version: '1.3.0' }))).toBe('build_manifest_mismatch');
  });

  it('keeps a semver build suffix out of the image tag and the build tags (Docker and Cloud Build alphabets)', () => {
    const v = '2.0.0-rc.1+build.7';
    const m = { ...manifest, version: v };
    const req = buildRequest(BUILD, { ...REQUEST, version: v, manifest: m });
    expect(req.build.images[0]).toBe('europe-west1-docker.pkg.dev/acme-prod/agents/cost-anomaly-detector:2.0.0-rc.1_build.7-ab12cd34ef56');
    for (const tag of req.build.tags) expect(tag).toMatch(/^[\w][\w.-]{0,127}$/);
  });
});

describe('the context step (run here with bash, as Cloud Build would)', () => {
  const dockerfile = platformDockerfile(BUILD, manifest);

  function run(populate: (workspace: string) => void): { context: string; status: number; stderr: string } {
    const root = mkdtempSync(path.join(tmpdir(), 'cb-context-'));
    const workspace = path.join(root, 'workspace');
    const context = path.join(root, 'platform', 'context');
    mkdirSync(workspace, { recursive: true });
    populate(workspace);
    try {
      execFileSync('bash', ['-c', contextScript(dockerfile, 'src/index.ts', { workspace, context })], { stdio: 'pipe' });
      return { context, status: 0, stderr: '' };
    } catch (err) {
      const e = err as { status: number; stderr: Buffer };
      return { context, status: e.status, stderr: e.stderr.toString() };
    } finally {
      onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    }
  }

  it("puts the platform's Dockerfile at the context root and the bundle, wrapper folder stripped, under agent/", () => {
    const { context, status } = run((ws) => {
      mkdirSync(path.join(ws, 'my-agent', 'src'), { recursive: true });
      writeFileSync(path.join(ws, 'my-agent', 'src', 'index.ts'), 'export default () => 1;');
      writeFileSync(path.join(ws, 'my-agent', 'Dockerfile'), 'FROM evil\n');
      writeFileSync(path.join(ws, 'my-agent', '.npmrc'), '');
    });
    expect(status).toBe(0);
    expect(readFileSync(path.join(context, 'Dockerfile'), 'utf8')).toBe(dockerfile);
    expect(existsSync(path.join(context, 'agent', 'src', 'index.ts'))).toBe(true);
    expect(existsSync(path.join(context, 'agent', '.npmrc'))).toBe(true);
    // The developer's Dockerfile is only a file of the agent now.
    expect(readFileSync(path.join(context, 'agent', 'Dockerfile'), 'utf8')).toBe('FROM evil\n');
  });

  it('keeps an unwrapped bundle as it is', () => {
    const { context, status } = run((ws) => {
      mkdirSync(path.join(ws, 'src'));
      writeFileSync(path.join(ws, 'src', 'index.ts'), '');
      writeFileSync(path.join(ws, 'agent.yaml'), '');
    });
    expect(status).toBe(0);
    expect(existsSync(path.join(context, 'agent', 'agent.yaml'))).toBe(true);
    expect(existsSync(path.join(context, 'agent', 'src', 'index.ts'))).toBe(true);
  });

  it('does not strip a single folder that holds the entry itself (a bundle of src/ alone)', () => {
    const { context, status } = run((ws) => {
      mkdirSync(path.join(ws, 'src'));
      writeFileSync(path.join(ws, 'src', 'index.ts'), '');
    });
    expect(status).toBe(0);
    expect(existsSync(path.join(context, 'agent', 'src', 'index.ts'))).toBe(true);
  });

  it('fails the build on a symbolic link in the bundle', () => {
    const { status, stderr } = run((ws) => {
      mkdirSync(path.join(ws, 'src'));
      writeFileSync(path.join(ws, 'src', 'index.ts'), '');
      symlinkSync('/etc/passwd', path.join(ws, 'src', 'passwd'));
    });
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/bundle_unsafe_entry: src\/passwd is not a regular file or folder/);
  });
});

describe('Cloud Build status', () => {
  const build = (status: string, extra: Partial<Build> = {}): Build => ({ id: 'b-1', status: status as Build['status'], logUrl: 'https://console.cloud.google.com/cloud-build/builds/b-1', ...extra });
  const pushed = { images: [IMAGE], results: { images: [{ name: IMAGE, digest: DIGEST }] } };

  it('maps every Build.Status value', () => {
    const expected: Record<string, string> = {
      STATUS_UNKNOWN: 'working',
      PENDING: 'working',
      QUEUED: 'working',
      WORKING: 'working',
      SUCCESS: 'succeeded',
      FAILURE: 'failed',
      INTERNAL_ERROR: 'failed',
      TIMEOUT: 'failed',
      CANCELLED: 'failed',
      EXPIRED: 'failed',
    };
    // Every value the library defines is covered, by name and by number.
    const Status = buildProtos.google.devtools.cloudbuild.v1.Build.Status;
    expect([...BUILD_STATUSES].sort()).toEqual(Object.keys(Status).filter((k) => Number.isNaN(Number(k))).sort());
    for (const name of BUILD_STATUSES) {
      expect(buildState(build(name, pushed)).state, name).toBe(expected[name]);
      expect(buildState(build(Status[name] as unknown as string, pushed)).state, `${name} as a number`).toBe(expected[name]);
    }
  });

  it('answers the pushed image pinned by its digest', () => {
    expect(buildState(build('SUCCESS', pushed))).toEqual({
      state: 'succeeded',
      buildId: 'b-1',
      image: `europe-west1-docker.pkg.dev/acme-prod/agents/cost-anomaly-detector@${DIGEST}`,
      logUrl: 'https://console.cloud.google.com/cloud-build/builds/b-1',
    });
    expect(buildState(build('SUCCESS', { images: [IMAGE], results: { images: [] } }))).toMatchObject({ state: 'failed', reason: 'The build succeeded but pushed no image digest.' });
  });

  it('gives a failed build a clear reason from its status detail', () => {
    expect(buildState(build('FAILURE', { statusDetail: 'Build step failure: build step 1 "gcr.io/cloud-builders/docker" failed: step exited with non-zero status: 1' }))).toMatchObject({
      state: 'failed',
      reason: 'The build failed: Build step failure: build step 1 "gcr.io/cloud-builders/docker" failed: step exited with non-zero status: 1',
    });
    expect(buildState(build('TIMEOUT'))).toMatchObject({ reason: 'The build timed out.' });
    expect(buildState(build('EXPIRED'))).toMatchObject({ reason: 'The build expired in the queue before it started.' });
    expect(buildState(build('CANCELLED', { failureInfo: { detail: 'cancelled by an admin' } }))).toMatchObject({ reason: 'The build was cancelled: cancelled by an admin' });
  });
});

/** Cloud Build as the client library answers it (not our adapter): records calls, keeps builds. */
class FakeBuilds implements BuildsApi {
  calls: { method: string; request: unknown }[] = [];
  listed: Build[] = [];
  builds = new Map<string, Build>();

  async createBuild(request: Parameters<BuildsApi['createBuild']>[0]) {
    this.calls.push({ method: 'createBuild', request });
    const build: Build = { ...request.build, id: `b-${this.builds.size + 1}`, status: 'QUEUED', logUrl: 'https://log' };
    this.builds.set(build.id!, build);
    return [{ name: 'operations/x', metadata: { build } }] as [{ name: string; metadata: unknown }];
  }

  async getBuild(request: Parameters<BuildsApi['getBuild']>[0]) {
    this.calls.push({ method: 'getBuild', request });
    const build = this.builds.get(request.id ?? '');
    if (!build) throw Object.assign(new Error('5 NOT_FOUND'), { code: 5 });
    return [build] as [Build];
  }

  async *listBuildsAsync(request: Parameters<BuildsApi['listBuildsAsync']>[0]) {
    this.calls.push({ method: 'listBuilds', request });
    yield* this.listed;
  }
}

describe('starting a build', () => {
  const tags = ['agent-marketplace', 'version-1.2.0', 'agent-cost-anomaly-detector', `bundle-${SHA.slice(0, 20)}`];

  it('lists earlier builds of the bundle, then creates one and answers working', async () => {
    const fake = new FakeBuilds();
    const deployer = new CloudVersionDeployer({ build: BUILD, jobs: JOBS }, { builds: async () => fake });
    expect(await deployer.startBuild(REQUEST)).toEqual({ state: 'working', buildId: 'b-1', logUrl: 'https://log' });
    expect(fake.calls.map((c) => c.method)).toEqual(['listBuilds', 'createBuild']);
    expect(fake.calls[0]!.request).toEqual({ parent: 'projects/acme-prod/locations/europe-west1', projectId: 'acme-prod', filter: reuseFilter(REQUEST), pageSize: 20 });
    expect(fake.calls[1]!.request).toEqual(buildRequest(BUILD, REQUEST));
  });

  it('reuses a running or succeeded build of the same bundle, and builds again after a failed one', async () => {
    const fake = new FakeBuilds();
    const deployer = new CloudVersionDeployer({ build: BUILD, jobs: JOBS }, { builds: async () => fake });
    fake.listed = [{ id: 'old', status: 'WORKING', tags, logUrl: 'u' }];
    expect(await deployer.startBuild(REQUEST)).toEqual({ state: 'working', buildId: 'old', logUrl: 'u' });
    fake.listed = [{ id: 'done', status: 'SUCCESS', tags, images: [IMAGE], results: { images: [{ name: IMAGE, digest: DIGEST }] } }];
    expect(await deployer.startBuild(REQUEST)).toMatchObject({ state: 'succeeded', buildId: 'done' });
    expect(fake.calls.filter((c) => c.method === 'createBuild')).toEqual([]);

    fake.listed = [{ id: 'bad', status: 'FAILURE', tags }];
    expect(await deployer.startBuild(REQUEST)).toMatchObject({ state: 'working', buildId: 'b-1' });
    // A listed build without this bundle's tags (a filter the service did not apply) is not reused.
    fake.listed = [{ id: 'other', status: 'SUCCESS', tags: ['agent-cost-anomaly-detector'] }];
    expect(await deployer.startBuild(REQUEST)).toMatchObject({ state: 'working', buildId: 'b-2' });
    // Nor one of the same bundle built as another version.
    fake.listed = [{ id: 'v-other', status: 'WORKING', tags: tags.map((t) => t.replace('version-1.2.0', 'version-1.1.0')) }];
    expect(await deployer.startBuild(REQUEST)).toMatchObject({ state: 'working', buildId: 'b-3' });
  });

  it('reads a build by id; an unknown id is build_not_found, a malformed one build_id_invalid; an outage is retryable', async () => {
    const fake = new FakeBuilds();
    const deployer = new CloudVersionDeployer({ build: BUILD, jobs: JOBS }, { builds: async () => fake });
    const { buildId } = await deployer.startBuild(REQUEST);
    expect(await deployer.buildStatus(buildId)).toMatchObject({ state: 'working', buildId });
    expect(fake.calls.at(-1)!.request).toEqual({ name: `projects/acme-prod/locations/europe-west1/builds/${buildId}`, projectId: 'acme-prod', id: buildId });
    await expect(deployer.buildStatus('nope')).rejects.toMatchObject({ kind: 'not_found', code: 'build_not_found' });
    await expect(deployer.buildStatus('../x')).rejects.toMatchObject({ code: 'build_id_invalid' });
    fake.getBuild = async () => {
      throw Object.assign(new Error('14 UNAVAILABLE'), { code: 14 });
    };
    await expect(deployer.buildStatus(buildId)).rejects.toMatchObject({ kind: 'unavailable', code: 'cloud_build_unavailable' });
  });
});

/** Cloud Run jobs as the client library answers them: a job store with NOT_FOUND and ALREADY_EXISTS. */
class FakeJobs implements JobsApi {
  calls: { method: string; request: unknown }[] = [];
  jobs = new Map<string, Job>();
  /** A job another caller creates between our getJob and createJob. */
  raceWith: Job | null = null;

  private op(job: Job) {
    return [{ promise: async () => [job] }] as [{ promise(): Promise<unknown> }];
  }

  async getJob(request: { name?: string | null }) {
    this.calls.push({ method: 'getJob', request });
    const job = this.jobs.get(request.name ?? '');
    if (!job) throw Object.assign(new Error('5 NOT_FOUND'), { code: 5 });
    return [job] as [Job];
  }

  async createJob(request: Parameters<JobsApi['createJob']>[0]) {
    this.calls.push({ method: 'createJob', request });
    const name = `${request.parent}/jobs/${request.jobId}`;
    if (this.raceWith) {
      this.jobs.set(name, { ...this.raceWith, name });
      this.raceWith = null;
    }
    if (this.jobs.has(name)) throw Object.assign(new Error('6 ALREADY_EXISTS'), { code: 6 });
    const job = { ...request.job, name, terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED' as const } };
    this.jobs.set(name, job);
    return this.op(job);
  }

  async updateJob(request: Parameters<JobsApi['updateJob']>[0]) {
    this.calls.push({ method: 'updateJob', request });
    const job = { ...this.jobs.get(request.job!.name!), ...request.job };
    this.jobs.set(request.job!.name!, job);
    return this.op(job);
  }
}

describe('Cloud Run job of a version', () => {
  const NAME = 'projects/acme-prod/locations/europe-west1/jobs/agent-cost-anomaly-detector-v1-2-0';
  const BUILT = `europe-west1-docker.pkg.dev/acme-prod/agents/cost-anomaly-detector@${DIGEST}`;

  it("defines the job with the built image, the manifest's cpu, memory and timeout, no retries, the runner identity and all egress through the VPC", () => {
    const def = jobDefinition(JOBS, manifest, BUILT);
    expect(def.parent).toBe('projects/acme-prod/locations/europe-west1');
    expect(def.jobId).toBe('agent-cost-anomaly-detector-v1-2-0');
    expect(def.job.labels).toEqual({ 'agent-id': 'cost-anomaly-detector', role: 'agent-runner' });
    expect(def.job.template.taskCount).toBe(1);
    const task = def.job.template.template;
    expect(task.containers).toEqual([{ image: BUILT, resources: { limits: { cpu: '2', memory: '1024Mi' } } }]);
    expect(task.timeout).toEqual({ seconds: 660 });
    expect(task.maxRetries).toBe(0);
    expect(task.serviceAccount).toBe('agent-runner@acme-prod.iam.gserviceaccount.com');
    expect(task.vpcAccess).toEqual({ egress: 'ALL_TRAFFIC', networkInterfaces: [{ network: 'agents', subnetwork: 'agents-egress', tags: ['agent-runner'] }] });
    expect(roundTrip(runProtos.google.cloud.run.v2.CreateJobRequest, def)).toEqual(def);
  });

  it("falls back to the manifest's image for a seeded agent that names one; refuses no image, an unpinned one and a default identity", () => {
    const seededImage = `us-docker.pkg.dev/acme/agents/cost@sha256:${'a'.repeat(64)}`;
    const seeded = parseManifest(manifestYaml().replace('runtime:\n', `runtime:\n  image: ${seededImage}\n`));
    expect(jobDefinition(JOBS, seeded).job.template.template.containers[0]!.image).toBe(seededImage);
    expect(codeOf(() => jobDefinition(JOBS, manifest))).toBe('job_image_missing');
    expect(codeOf(() => jobDefinition(JOBS, manifest, 'europe-west1-docker.pkg.dev/acme-prod/agents/cost:1.2.0'))).toBe('job_image_unpinned');
    expect(codeOf(() => jobDefinition({ ...JOBS, serviceAccount: '123456-compute@developer.gserviceaccount.com' }, manifest, BUILT))).toBe('runner_identity_unsafe');
    expect(codeOf(() => jobDefinition({ ...JOBS, serviceAccount: 'acme-prod@appspot.gserviceaccount.com' }, manifest, BUILT))).toBe('runner_identity_unsafe');
  });

  it('creates the job when getJob answers NOT_FOUND and waits for it', async () => {
    const fake = new FakeJobs();
    const deployer = new CloudVersionDeployer({ build: BUILD, jobs: JOBS }, { jobs: async () => fake });
    expect(await deployer.deployJob(manifest, BUILT)).toEqual({ job: NAME });
    expect(fake.calls.map((c) => c.method)).toEqual(['getJob', 'createJob']);
    expect(fake.calls[1]!.request).toEqual(jobDefinition(JOBS, manifest, BUILT));
    expect(await deployer.jobReadiness('cost-anomaly-detector', '1.2.0')).toEqual({ ready: true, job: NAME });
  });

  it('updates an existing job to the new image and resources, keeping its labels; a repeat changes nothing', async () => {
    const fake = new FakeJobs();
    const deployer = new CloudVersionDeployer({ build: BUILD, jobs: JOBS }, { jobs: async () => fake });
    const old = jobDefinition(JOBS, manifest, `europe-west1-docker.pkg.dev/acme-prod/agents/cost-anomaly-detector@sha256:${'e'.repeat(64)}`);
    fake.jobs.set(NAME, { ...old.job, name: NAME, labels: { ...old.job.labels, team: 'finops' } });

    expect(await deployer.deployJob(manifest, BUILT)).toEqual({ job: NAME });
    expect(fake.calls.map((c) => c.method)).toEqual(['getJob', 'updateJob']);
    const update = fake.calls[1]!.request as ReturnType<typeof updateJobRequest>;
    expect(update.job.name).toBe(NAME);
    expect(update.job.labels).toEqual({ team: 'finops', 'agent-id': 'cost-anomaly-detector', role: 'agent-runner' });
    expect(update.job.template).toEqual(jobDefinition(JOBS, manifest, BUILT).job.template);
    expect(roundTrip(runProtos.google.cloud.run.v2.UpdateJobRequest, update)).toEqual(update);

    fake.calls = [];
    await deployer.deployJob(manifest, BUILT);
    expect(fake.calls.map((c) => c.method)).toEqual(['getJob']);
    expect(jobMatches(fake.jobs.get(NAME)!, jobDefinition(JOBS, { ...manifest, resources: { ...manifest.resources, memoryMiB: 2048 } }, BUILT))).toBe(false);
  });

  it('turns a create that lost a race (ALREADY_EXISTS) into an update', async () => {
    const fake = new FakeJobs();
    const deployer = new CloudVersionDeployer({ build: BUILD, jobs: JOBS }, { jobs: async () => fake });
    fake.raceWith = { ...jobDefinition(JOBS, manifest, `europe-west1-docker.pkg.dev/acme-prod/agents/cost-anomaly-detector@sha256:${'e'.repeat(64)}`).job };
    expect(await deployer.deployJob(manifest, BUILT)).toEqual({ job: NAME });
    expect(fake.calls.map((c) => c.method)).toEqual(['getJob', 'createJob', 'getJob', 'updateJob']);
  });

  it('reads readiness from the job: no job, being updated, failed, pending, succeeded', async () => {
    const fake = new FakeJobs();
    const deployer = new CloudVersionDeployer({ build: BUILD, jobs: JOBS }, { jobs: async () => fake });
    expect(await deployer.jobReadiness('cost-anomaly-detector', '1.2.0')).toEqual({ ready: false, reason: 'No job deployed for cost-anomaly-detector@1.2.0.' });
    expect(fake.calls.at(-1)!.request).toEqual({ name: NAME });

    const at = (job: Job) => readinessOf(job, NAME, 'cost-anomaly-detector', '1.2.0');
    expect(at({ reconciling: true, terminalCondition: { state: 'CONDITION_SUCCEEDED' } })).toEqual({ ready: false, reason: 'The job of cost-anomaly-detector@1.2.0 is being updated.' });
    expect(at({ terminalCondition: { state: 'CONDITION_RECONCILING' } })).toEqual({ ready: false, reason: 'The job of cost-anomaly-detector@1.2.0 is being updated.' });
    expect(at({ terminalCondition: { state: 'CONDITION_PENDING' } })).toEqual({ ready: false, reason: 'The job of cost-anomaly-detector@1.2.0 is being updated.' });
    expect(at({ terminalCondition: { state: 'CONDITION_FAILED', message: 'Image not found: europe-west1-docker.pkg.dev/x' } })).toEqual({
      ready: false,
      reason: 'The job of cost-anomaly-detector@1.2.0 failed to deploy: Image not found: europe-west1-docker.pkg.dev/x.',
    });
    expect(at({})).toEqual({ ready: false, reason: 'The job of cost-anomaly-detector@1.2.0 reports no state yet.' });
    expect(at({ terminalCondition: { state: 4 } })).toEqual({ ready: true, job: NAME });
    expect(at({ terminalCondition: { state: 'CONDITION_SUCCEEDED' } })).toEqual({ ready: true, job: NAME });
  });

  it('maps a Cloud Run outage to a retryable error and lets other failures through', async () => {
    const fake = new FakeJobs();
    const deployer = new CloudVersionDeployer({ build: BUILD, jobs: JOBS }, { jobs: async () => fake });
    fake.getJob = async () => {
      throw Object.assign(new Error('14 UNAVAILABLE'), { code: 14 });
    };
    await expect(deployer.deployJob(manifest, BUILT)).rejects.toMatchObject({ kind: 'unavailable', code: 'cloud_run_unavailable' });
    await expect(deployer.jobReadiness('cost-anomaly-detector', '1.2.0')).rejects.toMatchObject({ code: 'cloud_run_unavailable' });
    fake.getJob = async () => {
      throw Object.assign(new Error('7 PERMISSION_DENIED'), { code: 7 });
    };
    await expect(deployer.deployJob(manifest, BUILT)).rejects.toMatchObject({ code: 7 });
  });
});
