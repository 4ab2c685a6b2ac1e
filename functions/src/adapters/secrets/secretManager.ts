import type { protos } from '@google-cloud/secret-manager';
import type { SecretScope, SecretStore } from '../../app/installs/ports.js';
import { AppError } from '../../domain/errors.js';
import { assertSecretScope, assertSecretValue } from './localFileStore.js';

type CreateSecretRequest = protos.google.cloud.secretmanager.v1.ICreateSecretRequest;
type AddSecretVersionRequest = protos.google.cloud.secretmanager.v1.IAddSecretVersionRequest;
type ListSecretsRequest = protos.google.cloud.secretmanager.v1.IListSecretsRequest;

/** gRPC status codes the adapter branches on. */
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const FAILED_PRECONDITION = 9;
const TRANSIENT = new Set([4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */]);

const MAX_SECRET_ID = 255;
const MAX_LABEL = 63;
/** The workspace and install ids may not contain the `-` separator, so a secret id names one (ws, install, name). */
const SCOPE_PART = /^[A-Za-z0-9_]{1,63}$/;

/**
 * `am-<wsId>-<installId>-<name>`. Ids are validated rather than silently rewritten: rewriting
 * could map two installs onto one secret. Anything outside Secret Manager's alphabet is refused.
 */
export function secretIdFor(scope: SecretScope, name: string): string {
  assertSecretScope(scope, name);
  for (const [what, value] of [['workspace id', scope.wsId], ['install id', scope.installId]] as const) {
    if (!SCOPE_PART.test(value)) {
      throw new AppError('invalid', 'secret_name_invalid', `The ${what} ${JSON.stringify(value)} may use only letters, digits and _ (1 to 63) with Secret Manager.`);
    }
  }
  const id = `${secretIdPrefix(scope)}${name}`;
  if (id.length > MAX_SECRET_ID) {
    throw new AppError('invalid', 'secret_name_invalid', `The secret id ${id.slice(0, 40)}… would be longer than ${MAX_SECRET_ID} characters.`);
  }
  return id;
}

export function secretIdPrefix(scope: SecretScope): string {
  return `am-${scope.wsId}-${scope.installId}-`;
}

/** A label value: lower-case letters, digits, `_` and `-`, at most 63 characters. */
export function labelValue(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_')
    .slice(0, MAX_LABEL);
}

export function secretLabels(scope: SecretScope): { workspace: string; install: string } {
  return { workspace: labelValue(scope.wsId), install: labelValue(scope.installId) };
}

export function secretName(project: string, secretId: string): string {
  return `projects/${project}/secrets/${secretId}`;
}

export function versionName(project: string, secretId: string, version: string | number): string {
  return `${secretName(project, secretId)}/versions/${version}`;
}

/** The secret id and version of one of our references in `project`, or null. */
export function parseVersionRef(project: string, ref: string): { secretId: string; version: string } | null {
  const m = /^projects\/([^/]+)\/secrets\/([A-Za-z0-9_-]{1,255})\/versions\/([1-9]\d{0,18})$/.exec(ref);
  if (!m || m[1] !== project) return null;
  return { secretId: m[2]!, version: m[3]! };
}

export function createSecretRequest(project: string, scope: SecretScope, name: string): CreateSecretRequest {
  return {
    parent: `projects/${project}`,
    secretId: secretIdFor(scope, name),
    secret: { replication: { automatic: {} }, labels: secretLabels(scope) },
  };
}

export function addVersionRequest(project: string, scope: SecretScope, name: string, value: string): AddSecretVersionRequest {
  const data = Buffer.from(value, 'utf8');
  // The checksum lets Secret Manager refuse a payload corrupted on the way.
  return { parent: secretName(project, secretIdFor(scope, name)), payload: { data, dataCrc32c: crc32c(data) } };
}

/**
 * Label values are lower-cased, so two ids differing only in case share them: deleteAll also
 * checks each listed secret's id prefix, which is exact. (Scope ids hold no `-`, so no quoting.)
 */
export function listFilter(scope: SecretScope): string {
  const { install, workspace } = secretLabels(scope);
  return `labels.install=${install} AND labels.workspace=${workspace}`;
}

export function listRequest(project: string, scope: SecretScope): ListSecretsRequest {
  return { parent: `projects/${project}`, filter: listFilter(scope) };
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32C (Castagnoli), the checksum Secret Manager uses for payloads. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC32C_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The part of the Secret Manager client this adapter uses (the real client satisfies it). */
export interface SecretManagerClient {
  createSecret(request: CreateSecretRequest): Promise<unknown>;
  addSecretVersion(request: AddSecretVersionRequest): Promise<[{ name?: string | null }, ...unknown[]]>;
  accessSecretVersion(request: { name: string }): Promise<
    [{ payload?: { data?: Uint8Array | string | null; dataCrc32c?: number | string | { toString(): string } | null } | null }, ...unknown[]]
  >;
  deleteSecret(request: { name: string }): Promise<unknown>;
  listSecretsAsync(request: ListSecretsRequest): AsyncIterable<{ name?: string | null }>;
}

const grpcCode = (err: unknown): number | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
};

/** Transient failures become a retryable AppError; anything else (permissions, bugs) stays a 500. */
function mapError(err: unknown): unknown {
  const code = grpcCode(err);
  if (code !== undefined && TRANSIENT.has(code)) {
    return new AppError('unavailable', 'secret_store_unavailable', 'Secret Manager is unavailable; retry shortly.', { retryAfterSeconds: 5 });
  }
  return err;
}

/**
 * Production secret store: one Secret Manager secret per install value, a new version per put.
 * References are version resource names under the configured project id. Older versions are
 * left as they are (still readable by their reference); deleting a value deletes its secret.
 */
export class SecretManagerStore implements SecretStore {
  private clientPromise: Promise<SecretManagerClient> | undefined;

  constructor(
    private readonly projectId: string,
    options: { client?: SecretManagerClient } = {},
  ) {
    if (!/^(?:[a-z][a-z0-9.-]*:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(projectId)) throw new Error(`Not a Google Cloud project id: ${projectId}`);
    if (options.client) this.clientPromise = Promise.resolve(options.client);
  }

  private client(): Promise<SecretManagerClient> {
    // Loaded on first use: the SDK (gRPC, protos) is heavy and most requests never touch secrets.
    this.clientPromise ??= import('@google-cloud/secret-manager')
      .then(({ SecretManagerServiceClient }) => {
        const client: SecretManagerClient = new SecretManagerServiceClient();
        return client;
      })
      .catch((err: unknown) => {
        this.clientPromise = undefined;
        throw err;
      });
    return this.clientPromise;
  }

  async put(scope: SecretScope, name: string, value: string): Promise<string> {
    assertSecretValue(value);
    const create = createSecretRequest(this.projectId, scope, name);
    const add = addVersionRequest(this.projectId, scope, name, value);
    const client = await this.client();
    // A concurrent delete may remove the secret between create and add: create it again once.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.createSecret(create);
      } catch (err) {
        if (grpcCode(err) !== ALREADY_EXISTS) throw mapError(err);
      }
      try {
        const [version] = await client.addSecretVersion(add);
        const n = /\/versions\/(\d+)$/.exec(version.name ?? '')?.[1];
        if (!n) throw new Error(`Secret Manager returned no version name for ${create.secretId}.`);
        // Built from the project id, not the returned name (which carries the project number).
        return versionName(this.projectId, create.secretId!, n);
      } catch (err) {
        if (grpcCode(err) === NOT_FOUND && attempt === 0) continue;
        throw mapError(err);
      }
    }
  }

  async get(ref: string): Promise<string | null> {
    if (!parseVersionRef(this.projectId, ref)) return null;
    const client = await this.client();
    try {
      const [response] = await client.accessSecretVersion({ name: ref });
      const data = response.payload?.data;
      if (data === undefined || data === null) return null;
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
      const expected = response.payload?.dataCrc32c;
      if (expected !== undefined && expected !== null && Number(String(expected)) !== crc32c(bytes)) {
        throw new AppError('unavailable', 'secret_store_unavailable', 'Secret Manager returned a corrupted payload; retry.', { retryAfterSeconds: 1 });
      }
      return bytes.toString('utf8');
    } catch (err) {
      // NOT_FOUND: deleted; FAILED_PRECONDITION: the version was disabled or destroyed.
      const code = grpcCode(err);
      if (code === NOT_FOUND || code === FAILED_PRECONDITION) return null;
      throw mapError(err);
    }
  }

  async delete(ref: string): Promise<void> {
    const parsed = parseVersionRef(this.projectId, ref);
    if (!parsed) return;
    const client = await this.client();
    try {
      await client.deleteSecret({ name: secretName(this.projectId, parsed.secretId) });
    } catch (err) {
      if (grpcCode(err) !== NOT_FOUND) throw mapError(err);
    }
  }

  async deleteAll(scope: SecretScope): Promise<number> {
    secretIdFor(scope, 'x'); // validates the scope
    const prefix = secretIdPrefix(scope);
    const client = await this.client();
    try {
      // Listed first, deleted after: deleting while paging could shift the pages.
      const names: string[] = [];
      for await (const secret of client.listSecretsAsync(listRequest(this.projectId, scope))) {
        if (secret.name && secret.name.split('/secrets/')[1]?.startsWith(prefix)) names.push(secret.name);
      }
      let deleted = 0;
      for (const name of names) {
        try {
          await client.deleteSecret({ name });
          deleted++;
        } catch (err) {
          if (grpcCode(err) !== NOT_FOUND) throw err;
        }
      }
      return deleted;
    } catch (err) {
      throw mapError(err);
    }
  }
}
