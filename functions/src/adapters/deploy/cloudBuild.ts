import type { protos } from '@google-cloud/cloudbuild';
import type { BuildRequest, BuildState } from '../../app/publishing/ports.js';
import { AppError } from '../../domain/errors.js';
import type { Manifest } from '../../domain/manifest.js';
import { grpcCode, GRPC, transient } from './grpc.js';

type Build = protos.google.devtools.cloudbuild.v1.IBuild;
type CreateBuildRequest = protos.google.devtools.cloudbuild.v1.ICreateBuildRequest;
type GetBuildRequest = protos.google.devtools.cloudbuild.v1.IGetBuildRequest;
type ListBuildsRequest = protos.google.devtools.cloudbuild.v1.IListBuildsRequest;
type BuildOperationMetadata = protos.google.devtools.cloudbuild.v1.IBuildOperationMetadata;
type Statuses = typeof protos.google.devtools.cloudbuild.v1.Build.Status;

export interface CloudBuildOptions {
  projectId: string;
  /** Where builds run and the Artifact Registry repository lives. */
  region: string;
  /** The Cloud Storage bucket holding source bundles (the blob store's). */
  bundleBucket: string;
  /** The Artifact Registry Docker repository agents' images are pushed to, in `region`. */
  repository: string;
  /**
   * The runner base image, pinned by digest: Node 24 with the bundled runner at
   * `/app/runner.js`. Every agent image is this plus the agent's files.
   */
  runnerBaseImage: string;
  /**
   * The identity builds run as (an email): it may read the bundle bucket, push to the
   * repository and write logs, nothing else. Not Cloud Build's legacy account, which holds
   * broad project roles.
   */
  serviceAccount: string;
  /** The image the build's steps run in (it has bash and docker). */
  builderImage?: string;
  /** A build running longer is stopped (TIMEOUT). Default 20 minutes. */
  timeoutSeconds?: number;
}

const DEFAULT_BUILDER = 'gcr.io/cloud-builders/docker';
const DEFAULT_TIMEOUT_SECONDS = 1200;
/** A build still queued after this long expires (EXPIRED) instead of starting much later. */
const QUEUE_TTL_SECONDS = 3600;
/** How many earlier builds of a bundle startBuild looks at before starting another. */
const REUSE_LOOKUP_LIMIT = 20;

const SHA256 = /^[a-f0-9]{64}$/;
/** `/`-separated segments of `[A-Za-z0-9._-]`, none of them `.` or `..`. */
const BLOB_KEY = /^(?!\.{1,2}(?:\/|$))[A-Za-z0-9._-]+(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9._-]+)*$/;
const PINNED_IMAGE = /^[a-z0-9][a-z0-9.\-/:_]*@sha256:[a-f0-9]{64}$/;
/** The manifest's own rule for `runtime.local.entry`, checked again: it lands in the Dockerfile. */
const ENTRY = /^(?!\/)(?!.*\.\.)[\w./-]+\.(?:m?js|ts)$/;
/** Identities that hold broad roles on a project by default. */
const BROAD_IDENTITY = /@cloudbuild\.gserviceaccount\.com$|-compute@developer\.gserviceaccount\.com$|@appspot\.gserviceaccount\.com$/;

/** Where the platform assembles the build context, shared between steps. */
const PLATFORM_VOLUME = { name: 'platform', path: '/platform' } as const;
const CONTEXT = '/platform/context';

/** A Docker tag (or Cloud Build tag) part: `[\w.-]`, never starting with `.` or `-`. */
const tagPart = (value: string) => value.replace(/[^\w.-]/g, '_').replace(/^[.-]+/, '');

/** `<region>-docker.pkg.dev/<project>/<repo>/<agentId>:<version>-<first 12 hex of the bundle>`. */
export function imageNameFor(options: CloudBuildOptions, request: Pick<BuildRequest, 'agentId' | 'version' | 'bundle'>): string {
  const tag = `${tagPart(request.version).slice(0, 100)}-${request.bundle.sha256.slice(0, 12)}`;
  return `${options.region}-docker.pkg.dev/${options.projectId}/${options.repository}/${request.agentId}:${tag}`;
}

/** The tags every build of a bundle carries; `startBuild` finds earlier builds by them. */
export function buildTags(request: Pick<BuildRequest, 'agentId' | 'version' | 'bundle'>): string[] {
  return ['agent-marketplace', `version-${tagPart(request.version)}`.slice(0, 128), `agent-${request.agentId}`, `bundle-${request.bundle.sha256.slice(0, 20)}`];
}

/** The ListBuilds filter of a bundle's earlier builds (Cloud Build has no request id). */
export function reuseFilter(request: Pick<BuildRequest, 'agentId' | 'bundle'>): string {
  return `tags="bundle-${request.bundle.sha256.slice(0, 20)}" AND tags="agent-${request.agentId}"`;
}

function checkRequest(options: CloudBuildOptions, request: BuildRequest): void {
  if (!SHA256.test(request.bundle.sha256)) throw new AppError('invalid', 'bundle_sha_invalid', 'The bundle hash must be 64 lower-case hex characters.');
  if (!BLOB_KEY.test(request.bundle.key)) throw new AppError('invalid', 'blob_key_invalid', `Not a bundle key: ${JSON.stringify(request.bundle.key)}.`);
  if (request.manifest.id !== request.agentId || request.manifest.version !== request.version) {
    throw new AppError('invalid', 'build_manifest_mismatch', `The manifest is ${request.manifest.id}@${request.manifest.version}, not ${request.agentId}@${request.version}.`);
  }
  if (!ENTRY.test(request.manifest.runtime.local.entry)) throw new AppError('invalid', 'manifest_entry_invalid', `Not an entry path: ${request.manifest.runtime.local.entry}.`);
  if (!PINNED_IMAGE.test(options.runnerBaseImage)) {
    throw new AppError('precondition', 'runner_base_unpinned', `The runner base image must be pinned by digest (…@sha256:<64 hex>), not ${options.runnerBaseImage}.`);
  }
  if (BROAD_IDENTITY.test(options.serviceAccount)) {
    throw new AppError('precondition', 'build_identity_unsafe', `Builds run as a dedicated service account, not ${options.serviceAccount}.`);
  }
}

/**
 * The platform's Dockerfile of an agent version. The developer's own Dockerfile is never
 * used: every agent image is the pinned runner base plus the agent's files, run as a
 * non-root user under Node's permission model, with the entry the manifest names.
 */
export function platformDockerfile(options: Pick<CloudBuildOptions, 'runnerBaseImage'>, manifest: Manifest): string {
  return [
    `# ${manifest.id}@${manifest.version}, built by the platform from its bundle.`,
    `FROM ${options.runnerBaseImage}`,
    'COPY agent/ /agent/',
    'WORKDIR /agent',
    // Production dependencies from the lockfile only; no package's install scripts run.
    'RUN if [ -f package-lock.json ] || [ -f npm-shrinkwrap.json ]; then npm ci --omit=dev --ignore-scripts --no-audit --no-fund; fi',
    `ENV AGENT_ENTRY=/agent/${manifest.runtime.local.entry}`,
    // Numeric, so it holds whatever users the base image defines.
    'USER 1000:1000',
    'ENTRYPOINT ["node", "--permission", "--allow-fs-read=/app", "--allow-fs-read=/agent", "--disable-warning=ExperimentalWarning", "/app/runner.js"]',
    '',
  ].join('\n');
}

/**
 * The first step's script (a `script` field: Cloud Build applies no substitutions to it). The
 * bundle is unpacked in /workspace; it is copied into a context the platform owns, the
 * platform's Dockerfile at its root and the agent's files under agent/, where a developer's
 * Dockerfile or .dockerignore is just another file. (`dirs` lets a test run it elsewhere.)
 */
export function contextScript(dockerfile: string, entry: string, dirs = { workspace: '/workspace', context: CONTEXT }): string {
  const { workspace, context } = dirs;
  return [
    '#!/usr/bin/env bash',
    'set -euo pipefail',
    'shopt -s dotglob nullglob',
    // A single folder wrapping everything is the bundle's root, unless the entry is found without stripping it (`src/` alone).
    `src=${workspace}`,
    `top=(${workspace}/*)`,
    `if [ "\${#top[@]}" -eq 1 ] && [ -d "\${top[0]}" ] && [ ! -L "\${top[0]}" ] && [ ! -f ${workspace}/${entry} ]; then src="\${top[0]}"; fi`,
    // Node's permission model follows symbolic links out of the folders it allows: only files and folders pass.
    'bad=$(find "$src" ! -type f ! -type d -print -quit)',
    `if [ -n "$bad" ]; then echo "bundle_unsafe_entry: \${bad#${workspace}/} is not a regular file or folder" >&2; exit 1; fi`,
    `mkdir -p ${context}/agent`,
    `cp -R "$src"/. ${context}/agent/`,
    // Readable by the image's non-root user, writable by no one but root.
    `chmod -R a+rX,go-w ${context}/agent`,
    `cat > ${context}/Dockerfile <<'PLATFORM_DOCKERFILE'`,
    dockerfile.trimEnd(),
    'PLATFORM_DOCKERFILE',
    '',
  ].join('\n');
}

/** The CreateBuild request of one bundle: source from Cloud Storage, the platform's Dockerfile, the image pushed by Cloud Build. */
export function buildRequest(options: CloudBuildOptions, request: BuildRequest) {
  checkRequest(options, request);
  const image = imageNameFor(options, request);
  const builder = options.builderImage ?? DEFAULT_BUILDER;
  return {
    parent: `projects/${options.projectId}/locations/${options.region}`,
    projectId: options.projectId,
    build: {
      source: { storageSource: { bucket: options.bundleBucket, object: request.bundle.key } },
      steps: [
        { id: 'context', name: builder, script: contextScript(platformDockerfile(options, request.manifest), request.manifest.runtime.local.entry), volumes: [PLATFORM_VOLUME] },
        {
          id: 'image',
          name: builder,
          // `docker build` runs on its default network, not `cloudbuild`: the bundle's commands never reach the build identity's token.
          args: [
            'build',
            `--file=${CONTEXT}/Dockerfile`,
            `--tag=${image}`,
            `--label=dev.agent-marketplace.agent=${request.agentId}`,
            `--label=dev.agent-marketplace.version=${request.version}`,
            `--label=dev.agent-marketplace.bundle-sha256=${request.bundle.sha256}`,
            CONTEXT,
          ],
          volumes: [PLATFORM_VOLUME],
        },
      ],
      // Pushed by Cloud Build after the steps; the build's results then carry the digest.
      images: [image],
      serviceAccount: `projects/${options.projectId}/serviceAccounts/${options.serviceAccount}`,
      timeout: { seconds: options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS },
      queueTtl: { seconds: QUEUE_TTL_SECONDS },
      tags: buildTags(request),
      substitutions: { _AGENT_ID: request.agentId, _AGENT_VERSION: request.version, _BUNDLE_SHA256: request.bundle.sha256 },
      options: {
        // A build with its own identity must say where its logs go.
        logging: 'CLOUD_LOGGING_ONLY' as const,
        // The substitutions name the build for people; no step refers to them.
        substitutionOption: 'ALLOW_LOOSE' as const,
      },
    },
  } satisfies CreateBuildRequest;
}

export function listRequest(options: CloudBuildOptions, request: Pick<BuildRequest, 'agentId' | 'bundle'>) {
  return {
    parent: `projects/${options.projectId}/locations/${options.region}`,
    projectId: options.projectId,
    filter: reuseFilter(request),
    pageSize: REUSE_LOOKUP_LIMIT,
  } satisfies ListBuildsRequest;
}

export function getRequest(options: CloudBuildOptions, buildId: string) {
  if (!/^[A-Za-z0-9-]{1,100}$/.test(buildId)) throw new AppError('invalid', 'build_id_invalid', `Not a Cloud Build id: ${JSON.stringify(buildId)}.`);
  return {
    name: `projects/${options.projectId}/locations/${options.region}/builds/${buildId}`,
    projectId: options.projectId,
    id: buildId,
  } satisfies GetBuildRequest;
}

const STATUS = {
  STATUS_UNKNOWN: 0,
  PENDING: 10,
  QUEUED: 1,
  WORKING: 2,
  SUCCESS: 3,
  FAILURE: 4,
  INTERNAL_ERROR: 5,
  TIMEOUT: 6,
  CANCELLED: 7,
  EXPIRED: 9,
} as const satisfies { [K in keyof Statuses]: Statuses[K] };
export type BuildStatusName = keyof typeof STATUS;
export const BUILD_STATUSES = Object.keys(STATUS) as BuildStatusName[];

/** The gRPC client answers enum names; other transports may answer numbers. */
function statusName(value: unknown): BuildStatusName {
  if (typeof value === 'string' && value in STATUS) return value as BuildStatusName;
  const byNumber = Object.entries(STATUS).find(([, n]) => n === value);
  return (byNumber?.[0] as BuildStatusName | undefined) ?? 'STATUS_UNKNOWN';
}

const ENDED: Record<Exclude<BuildStatusName, 'STATUS_UNKNOWN' | 'PENDING' | 'QUEUED' | 'WORKING' | 'SUCCESS'>, string> = {
  FAILURE: 'The build failed',
  INTERNAL_ERROR: 'Cloud Build had an internal error',
  TIMEOUT: 'The build timed out',
  CANCELLED: 'The build was cancelled',
  EXPIRED: 'The build expired in the queue before it started',
};

/** What a Cloud Build build says about the version's image. */
export function buildState(build: Build): BuildState {
  const buildId = build.id ?? 'unknown';
  const logUrl = build.logUrl || null;
  const status = statusName(build.status);
  switch (status) {
    case 'STATUS_UNKNOWN':
    case 'PENDING':
    case 'QUEUED':
    case 'WORKING':
      return { state: 'working', buildId, logUrl };
    case 'SUCCESS': {
      const pushed = build.results?.images ?? [];
      const wanted = build.images?.[0];
      const result = pushed.find((i) => i.name === wanted) ?? pushed[0];
      if (!result?.name || !result.digest || !/^sha256:[a-f0-9]{64}$/.test(result.digest)) {
        return { state: 'failed', buildId, reason: 'The build succeeded but pushed no image digest.', logUrl };
      }
      // Pinned by digest: the tag is dropped, as a tag can be moved.
      const repository = result.name.replace(/:[\w][\w.-]{0,127}$/, '');
      return { state: 'succeeded', buildId, image: `${repository}@${result.digest}`, logUrl };
    }
    default: {
      const detail = build.statusDetail || build.failureInfo?.detail;
      return { state: 'failed', buildId, reason: detail ? `${ENDED[status]}: ${detail}` : `${ENDED[status]}.`, logUrl };
    }
  }
}

/** The part of the Cloud Build client the deployer uses (the real client satisfies it). */
export interface BuildsApi {
  // The operation's `metadata` is typed as gRPC metadata by google-gax, but holds the decoded BuildOperationMetadata.
  createBuild(request: CreateBuildRequest): Promise<[{ name?: string; metadata: unknown }, ...unknown[]]>;
  getBuild(request: GetBuildRequest): Promise<[Build, ...unknown[]]>;
  listBuildsAsync(request: ListBuildsRequest): AsyncIterable<Build>;
}

function mapError(err: unknown): unknown {
  return transient(err) ? new AppError('unavailable', 'cloud_build_unavailable', 'Cloud Build is unavailable; retry shortly.', { retryAfterSeconds: 10 }) : err;
}

/**
 * Starts the build of a bundle, or finds one: Cloud Build takes no request id, so a running or
 * succeeded build carrying this bundle's tags is reused, and only failed ones are built again.
 * (Two calls at the same instant may both start one; either result is the same image.)
 */
export async function startBuild(client: BuildsApi, options: CloudBuildOptions, request: BuildRequest): Promise<BuildState> {
  const create = buildRequest(options, request);
  // The service filters on agent and bundle; the version is checked here too (one bundle, one version's image).
  const wanted = buildTags(request);
  try {
    let seen = 0;
    for await (const build of client.listBuildsAsync(listRequest(options, request))) {
      if (++seen > REUSE_LOOKUP_LIMIT) break;
      if (!wanted.every((t) => build.tags?.includes(t))) continue;
      const state = buildState(build);
      if (state.state !== 'failed') return state;
    }
    const [operation] = await client.createBuild(create);
    const build = (operation.metadata as BuildOperationMetadata | null)?.build;
    if (!build?.id) throw new Error(`Cloud Build answered no build id for ${request.agentId}@${request.version} (operation ${operation.name ?? 'unnamed'}).`);
    return { state: 'working', buildId: build.id, logUrl: build.logUrl || null };
  } catch (err) {
    throw mapError(err);
  }
}

export async function buildStatus(client: BuildsApi, options: CloudBuildOptions, buildId: string): Promise<BuildState> {
  const request = getRequest(options, buildId);
  try {
    const [build] = await client.getBuild(request);
    return buildState(build);
  } catch (err) {
    if (grpcCode(err) === GRPC.NOT_FOUND) throw new AppError('not_found', 'build_not_found', `No build ${buildId} in ${options.region}.`);
    throw mapError(err);
  }
}
