import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ApiError } from '@agent-marketplace/client';
import type { BundleUpload, DeveloperVersion } from '@agent-marketplace/contract';
import { AgentId, PublisherId, SemVer } from '@agent-marketplace/contract/manifest';
import { MAX_BUNDLE_BYTES, MAX_INLINE_BUNDLE_BYTES } from '@agent-marketplace/contract/publishing';
import { z } from 'zod';
import { UsageError, CliError } from '../errors.ts';
import type { CommandSpec } from '../args.ts';
import type { Context } from '../context.ts';
import { scanReportText, versionLine } from '../format.ts';
import { formatBytes, packBundle } from '../pack.ts';
import { createProgress, type Progress } from '../progress.ts';

/** One problem of a manifest, at its path and (when the API could tell) line. */
export interface ManifestProblem {
  path: string;
  message: string;
  line?: number;
}

/**
 * The API's validation problems with their lines pulled out: schema problems end in
 * `(line N)`, YAML syntax errors sit at the path `line N`.
 */
export function manifestProblems(err: ApiError): ManifestProblem[] {
  const errors = err.problem?.errors ?? [];
  if (errors.length === 0) return [{ path: '(document)', message: err.problem?.detail ?? err.message }];
  return errors.map((e) => {
    const atLine = /^line (\d+)$/.exec(e.path);
    if (atLine) return { path: '(document)', message: e.message, line: Number(atLine[1]) };
    const inMessage = /\s*\(line (\d+)\)$/.exec(e.message);
    if (inMessage) return { path: e.path, message: e.message.slice(0, inMessage.index), line: Number(inMessage[1]) };
    return { path: e.path, message: e.message };
  });
}

export const problemLines = (file: string, problems: ManifestProblem[]) =>
  problems.map((p) => `  ${file}${p.line ? `:${p.line}` : ''}  ${p.path}: ${p.message}`).join('\n');

async function readManifest(dir: string): Promise<{ file: string; yaml: string }> {
  const file = join(dir, 'agent.yaml');
  try {
    return { file, yaml: await readFile(file, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError('manifest_missing', code === 'ENOENT' ? `No agent.yaml in ${dir}.` : `${file} cannot be read: ${(err as Error).message}`);
  }
}

type Validation = { valid: true; manifest: Record<string, unknown> } | { valid: false; code: string; problems: ManifestProblem[] };

/** Asks the API (the validator the submission will meet); a 400 or 413 is the manifest's problems, anything else an error. */
async function validateYaml(ctx: Context, yaml: string): Promise<Validation> {
  try {
    return await ctx.api().call('validateManifest', { body: { yaml } });
  } catch (err) {
    if (err instanceof ApiError && (err.status === 400 || err.status === 413)) return { valid: false, code: err.code, problems: manifestProblems(err) };
    throw err;
  }
}

export const validate: CommandSpec<Context> = {
  name: 'validate',
  args: ['[dir]'],
  summary: "Check an agent folder's agent.yaml against the platform's manifest schema",
  details: 'Prints every problem at its path and line; exits 1 when there is any.',
  options: {},
  async run(ctx, { args }) {
    const dir = resolve(args['dir'] ?? '.');
    const { file, yaml } = await readManifest(dir);
    const result = await validateYaml(ctx, yaml);
    if (result.valid) {
      const m = result.manifest;
      ctx.result(result, `${file} is valid: ${String(m['publisher'])}/${String(m['id'])} ${String(m['version'])}.\n`);
      return 0;
    }
    ctx.result(result, `${file} has ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} (${result.code}):\n${problemLines(file, result.problems)}\n`);
    return 1;
  },
};

/** What the path of a submission needs from the manifest (the server checks they match). */
const ManifestKey = z.object({ id: AgentId, publisher: PublisherId, version: SemVer });

/** The upload is streamed in pieces this large, each counted as it is taken. */
const UPLOAD_CHUNK = 64 * 1024;

/**
 * The bytes as a stream that reports how many have been taken. It is pulled one piece at a
 * time (no read-ahead), so the count follows what the connection has accepted.
 */
export function countingBody(bytes: Uint8Array, onSent: (sent: number) => void): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (offset >= bytes.length) return controller.close();
        const piece = bytes.subarray(offset, offset + UPLOAD_CHUNK);
        offset += piece.length;
        controller.enqueue(piece);
        onSent(offset);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * PUTs the bundle where createBundleUpload said, with exactly the headers it gave (a signed
 * URL's signature covers them) and its length (a streamed body would otherwise go chunked).
 */
async function upload(ctx: Context, target: BundleUpload, bytes: Uint8Array, progress: Progress): Promise<void> {
  const url = new URL(target.url, `${ctx.settings.apiUrl}/`);
  const total = bytes.length;
  progress.show({ step: 'uploading', sent: 0, total });
  const body = countingBody(bytes, (sent) => progress.show({ step: 'uploading', sent, total }));
  let res: Response;
  try {
    res = await fetch(url, { method: target.method, headers: { ...target.headers, 'content-length': String(total) }, body, duplex: 'half' } as RequestInit);
  } catch (err) {
    throw new CliError('upload_failed', `The bundle upload could not reach ${url.origin} (${(err as Error).message}).`);
  }
  if (res.ok) {
    await res.arrayBuffer();
    return;
  }
  const text = await res.text().catch(() => '');
  const problem = (() => {
    try {
      return JSON.parse(text) as { code?: unknown; detail?: unknown };
    } catch {
      return null;
    }
  })();
  const why = typeof problem?.code === 'string' ? `${problem.code}: ${String(problem.detail ?? '')}` : text.slice(0, 300).trim();
  throw new CliError('upload_failed', `The bundle upload was refused: HTTP ${res.status}${why ? ` (${why})` : ''}.`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until the scan has decided (any state past `submitted`), or the time is up. */
async function waitForScan(ctx: Context, params: { publisherId: string; agentId: string; version: string }, timeoutMs: number, progress: Progress): Promise<DeveloperVersion> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (;;) {
    progress.show({ step: 'scanning', elapsedMs: Date.now() - started });
    const v = await ctx.api().call('getDeveloperVersion', { params });
    if (v.state !== 'submitted') {
      progress.show({ step: 'scanning', elapsedMs: Date.now() - started, done: true });
      return v;
    }
    if (Date.now() >= deadline) throw new CliError('wait_timeout', `${versionLine(v)} after ${Math.round(timeoutMs / 1000)} s: still waiting for the scan. See \`agent-marketplace version ${params.agentId} ${params.version} --publisher ${params.publisherId}\` later.`);
    await sleep(ctx.io.pollMs ?? 1000);
  }
}

function wholeNumber(value: unknown, label: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(String(value)) || n > max) throw new UsageError(`${label}: a whole number from 0 to ${max} (got ${String(value)}).`, 'publish');
  return n;
}

export const publish: CommandSpec<Context> = {
  name: 'publish',
  args: ['[dir]'],
  summary: 'Pack an agent folder and submit it as a new version (then it is scanned and reviewed)',
  details: [
    "Reads dir/agent.yaml (default dir: .); its `publisher`, `id` and `version` name the version.",
    'Skips node_modules, .git, dist, .local and what dir/.amignore lists. Bundles up to 8 MiB go inline; larger ones through an upload URL.',
    'Exits 1 if the version ends scan_failed.',
  ].join('\n'),
  options: {
    notes: { type: 'string', value: 'file', description: "Release notes (Markdown) from a file; default the manifest's releaseNotes" },
    wait: { type: 'boolean', description: 'Wait for the scan and print its report' },
    timeout: { type: 'string', value: 'seconds', description: 'How long --wait waits (default 600)' },
    'inline-max': { type: 'string', value: 'bytes', description: 'Upload bundles larger than this through an upload URL (default and most 8388608; 0: always)' },
  },
  async run(ctx, { args, opts }) {
    const inlineMax = wholeNumber(opts['inline-max'], '--inline-max', MAX_INLINE_BUNDLE_BYTES) ?? MAX_INLINE_BUNDLE_BYTES;
    const timeoutMs = (wholeNumber(opts['timeout'], '--timeout', 86_400) ?? 600) * 1000;
    const dir = resolve(args['dir'] ?? '.');
    const { file, yaml } = await readManifest(dir);
    const releaseNotes = typeof opts['notes'] === 'string'
      ? await readFile(opts['notes'], 'utf8').catch((err: Error) => Promise.reject(new CliError('notes_unreadable', `${opts['notes']} cannot be read: ${err.message}`)))
      : undefined;

    const validation = await validateYaml(ctx, yaml);
    if (!validation.valid) throw new CliError(validation.code, `${file} is not valid:\n${problemLines(file, validation.problems)}`);
    const key = ManifestKey.safeParse(validation.manifest);
    if (!key.success) throw new CliError('manifest_invalid', `${file}: the API accepted it but it lacks a valid id, publisher or version.`);
    const { id: agentId, publisher: publisherId, version } = key.data;

    // A status line left drawn would run into whatever comes next, a result or an error.
    const progress = createProgress(ctx.io, ctx.json);
    try {
      return await submit(ctx, { dir, yaml, releaseNotes, agentId, publisherId, version, inlineMax, timeoutMs, wait: opts['wait'] === true }, progress);
    } finally {
      progress.clear();
    }
  },
};

interface Submission {
  dir: string;
  yaml: string;
  releaseNotes: string | undefined;
  agentId: string;
  publisherId: string;
  version: string;
  inlineMax: number;
  timeoutMs: number;
  wait: boolean;
}

/** Packs, uploads when too large to go inline, submits and (with --wait) waits for the scan; the exit code. */
async function submit(ctx: Context, s: Submission, progress: Progress): Promise<number> {
  const { dir, yaml, releaseNotes, agentId, publisherId, version } = s;
  const packed = await packBundle(dir, { onProgress: (files, bytes) => progress.show({ step: 'packing', files, bytes }) });
  progress.show({ step: 'packing', files: packed.files, bytes: packed.fileBytes, compressedBytes: packed.bytes.length });
  const size = packed.bytes.length;
  if (size > MAX_BUNDLE_BYTES) throw new CliError('bundle_too_large', `The bundle is ${formatBytes(size)}, over the limit of ${formatBytes(MAX_BUNDLE_BYTES)}: list what it need not carry in ${join(dir, '.amignore')}.`);
  const params = { publisherId, agentId };
  let bundle: { base64: string } | { uploadId: string };
  if (size <= s.inlineMax) {
    bundle = { base64: packed.bytes.toString('base64') };
  } else {
    const target = await ctx.api().call('createBundleUpload', { params, body: { sizeBytes: size } });
    if (size > target.maxBytes) throw new CliError('bundle_too_large', `The bundle is ${formatBytes(size)}; the upload takes at most ${formatBytes(target.maxBytes)}.`);
    await upload(ctx, target, packed.bytes, progress);
    bundle = { uploadId: target.uploadId };
  }
  let v = await ctx.api().call('submitVersion', { params, body: { manifest: yaml, bundle, ...(releaseNotes !== undefined ? { releaseNotes } : {}) } });
  progress.clear();
  if (!ctx.json) ctx.io.stdout(`Submitted ${versionLine(v)} (bundle ${formatBytes(size)}, ${'base64' in bundle ? 'inline' : 'uploaded'}, sha256 ${packed.sha256}).\n`);

  if (s.wait) {
    progress.show({ step: 'submitted', label: `${publisherId}/${agentId} ${version}` });
    v = await waitForScan(ctx, { ...params, version }, s.timeoutMs, progress);
    progress.clear();
    if (!ctx.json) ctx.io.stdout(`${versionLine(v)}\n${v.scan ? scanReportText(v.scan) : 'No scan report.\n'}`);
  }
  if (ctx.json) ctx.result(v, '');
  return v.state === 'scan_failed' ? 1 : 0;
}
