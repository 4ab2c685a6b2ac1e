import { describe, expect, it } from 'vitest';
import {
  addVersionRequest,
  crc32c,
  createSecretRequest,
  labelValue,
  listFilter,
  listRequest,
  parseVersionRef,
  secretIdFor,
  SecretManagerStore,
  type SecretManagerClient,
} from '../src/adapters/secrets/secretManager.ts';
import { AppError } from '../src/domain/errors.ts';

const project = 'acme-prod';
const scope = { wsId: 'Wk3xAbC9', installId: 'In5tQ2z' };

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return err instanceof AppError ? err.code : 'not-app-error';
  }
  return undefined;
}

describe('Secret Manager request shapes', () => {
  it('names one secret per install value: am-<wsId>-<installId>-<name>', () => {
    expect(secretIdFor(scope, 'API_TOKEN')).toBe('am-Wk3xAbC9-In5tQ2z-API_TOKEN');
    expect(secretIdFor({ wsId: 'w', installId: 'i' }, 'WEBHOOK_SIGNING_KEY')).toBe('am-w-i-WEBHOOK_SIGNING_KEY');
    expect(secretIdFor({ wsId: 'a'.repeat(63), installId: 'b'.repeat(63) }, 'N'.repeat(124))).toHaveLength(255);
  });

  it('refuses ids that are outside Secret Manager\'s alphabet, ambiguous or too long', () => {
    expect(code(() => secretIdFor({ wsId: 'a-b', installId: 'c' }, 'D'))).toBe('secret_name_invalid'); // a-b/c vs a/b-c
    expect(code(() => secretIdFor({ wsId: 'ws', installId: 'in/../x' }, 'D'))).toBe('secret_name_invalid');
    expect(code(() => secretIdFor(scope, 'has space'))).toBe('secret_name_invalid');
    expect(code(() => secretIdFor(scope, 'ünïcode'))).toBe('secret_name_invalid');
    expect(code(() => secretIdFor({ wsId: 'a'.repeat(64), installId: 'b' }, 'N'))).toBe('secret_name_invalid');
    expect(code(() => secretIdFor({ wsId: 'a'.repeat(63), installId: 'b'.repeat(63) }, 'N'.repeat(125)))).toBe('secret_name_invalid');
  });

  it('creates the secret with automatic replication and lower-case workspace and install labels', () => {
    expect(createSecretRequest(project, scope, 'API_TOKEN')).toEqual({
      parent: 'projects/acme-prod',
      secretId: 'am-Wk3xAbC9-In5tQ2z-API_TOKEN',
      secret: { replication: { automatic: {} }, labels: { workspace: 'wk3xabc9', install: 'in5tq2z' } },
    });
  });

  it('sanitises label values to label rules', () => {
    expect(labelValue('Ab_C-d')).toBe('ab_c-d');
    expect(labelValue('a.b/c D')).toBe('a_b_c_d');
    expect(labelValue('X'.repeat(80))).toBe('x'.repeat(63));
  });

  it('adds a version with the UTF-8 payload and its CRC32C', () => {
    const req = addVersionRequest(project, scope, 'API_TOKEN', 'sëcret');
    expect(req.parent).toBe('projects/acme-prod/secrets/am-Wk3xAbC9-In5tQ2z-API_TOKEN');
    expect(Buffer.from(req.payload!.data as Uint8Array).toString('utf8')).toBe('sëcret');
    expect(req.payload!.dataCrc32c).toBe(crc32c(Buffer.from('sëcret', 'utf8')));
    expect(code(() => addVersionRequest(project, { wsId: '..', installId: 'x' }, 'A', 'v'))).toBe('secret_name_invalid');
  });

  it('computes CRC32C (Castagnoli) as Secret Manager does', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
  });

  it('lists an install\'s secrets by label', () => {
    expect(listFilter(scope)).toBe('labels.install=in5tq2z AND labels.workspace=wk3xabc9');
    expect(listRequest(project, scope)).toEqual({ parent: 'projects/acme-prod', filter: 'labels.install=in5tq2z AND labels.workspace=wk3xabc9' });
  });

  it('accepts only version names of its own project as references', () => {
    expect(parseVersionRef(project, 'projects/acme-prod/secrets/am-w-i-A/versions/3')).toEqual({ secretId: 'am-w-i-A', version: '3' });
    for (const ref of [
      'projects/other-proj/secrets/am-w-i-A/versions/3',
      'projects/acme-prod/secrets/am-w-i-A/versions/latest',
      'projects/acme-prod/secrets/am-w-i-A',
      'projects/acme-prod/secrets/../versions/1',
      'local://w/i/A#1',
      '',
    ]) {
      expect(parseVersionRef(project, ref), ref).toBeNull();
    }
  });
});

/** An in-memory stand-in for the Google client, with its error codes and project-number names. */
class FakeSecretManager implements SecretManagerClient {
  secrets = new Map<string, { labels: Record<string, string>; versions: Buffer[] }>();
  calls: string[] = [];
  private readonly number = 'projects/123456789012';

  private id(name: string): string {
    return name.split('/secrets/')[1]!.split('/')[0]!;
  }

  private fail(code: number, message: string): never {
    throw Object.assign(new Error(message), { code });
  }

  async createSecret(req: ReturnType<typeof createSecretRequest>) {
    this.calls.push(`create ${req.secretId}`);
    if (this.secrets.has(req.secretId!)) this.fail(6, 'ALREADY_EXISTS');
    this.secrets.set(req.secretId!, { labels: { ...req.secret!.labels! }, versions: [] });
    return [{}];
  }

  async addSecretVersion(req: ReturnType<typeof addVersionRequest>): Promise<[{ name?: string | null }]> {
    const id = this.id(req.parent!);
    this.calls.push(`add ${id}`);
    const secret = this.secrets.get(id) ?? this.fail(5, 'NOT_FOUND');
    secret.versions.push(Buffer.from(req.payload!.data as Uint8Array));
    return [{ name: `${this.number}/secrets/${id}/versions/${secret.versions.length}` }];
  }

  async accessSecretVersion(req: { name: string }) {
    const m = /secrets\/([^/]+)\/versions\/(\d+)$/.exec(req.name)!;
    const data = this.secrets.get(m[1]!)?.versions[Number(m[2]) - 1] ?? this.fail(5, 'NOT_FOUND');
    return [{ payload: { data, dataCrc32c: String(crc32c(data)) } }] as [{ payload: { data: Buffer; dataCrc32c: string } }];
  }

  async deleteSecret(req: { name: string }) {
    this.calls.push(`delete ${req.name}`);
    if (!this.secrets.delete(this.id(req.name))) this.fail(5, 'NOT_FOUND');
    return [{}];
  }

  async *listSecretsAsync(req: { parent?: string | null; filter?: string | null }) {
    const want = Object.fromEntries([...req.filter!.matchAll(/labels\.(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
    for (const [id, s] of this.secrets) {
      if (Object.entries(want).every(([k, v]) => s.labels[k] === v)) yield { name: `${this.number}/secrets/${id}` };
    }
  }
}

describe('SecretManagerStore flow (against an in-memory client)', () => {
  it('creates once, then adds versions; references use the project id', async () => {
    const fake = new FakeSecretManager();
    const store = new SecretManagerStore(project, { client: fake });
    const r1 = await store.put(scope, 'API_TOKEN', 'one');
    const r2 = await store.put(scope, 'API_TOKEN', 'two');
    expect(r1).toBe('projects/acme-prod/secrets/am-Wk3xAbC9-In5tQ2z-API_TOKEN/versions/1');
    expect(r2).toBe('projects/acme-prod/secrets/am-Wk3xAbC9-In5tQ2z-API_TOKEN/versions/2');
    expect(fake.calls).toEqual([
      'create am-Wk3xAbC9-In5tQ2z-API_TOKEN',
      'add am-Wk3xAbC9-In5tQ2z-API_TOKEN',
      'create am-Wk3xAbC9-In5tQ2z-API_TOKEN',
      'add am-Wk3xAbC9-In5tQ2z-API_TOKEN',
    ]);
    expect(await store.get(r2)).toBe('two');
    expect(await store.get(r1)).toBe('one'); // older versions stay readable in Secret Manager
    expect(await store.get('projects/acme-prod/secrets/am-Wk3xAbC9-In5tQ2z-API_TOKEN/versions/9')).toBeNull();
    expect(await store.get('projects/someone-else/secrets/am-Wk3xAbC9-In5tQ2z-API_TOKEN/versions/1')).toBeNull();
  });

  it('refuses empty values before calling Secret Manager', async () => {
    const fake = new FakeSecretManager();
    await expect(new SecretManagerStore(project, { client: fake }).put(scope, 'A', '')).rejects.toMatchObject({ code: 'secret_invalid' });
    expect(fake.calls).toEqual([]);
  });

  it('deletes the secret of a reference, and every secret of an install (exact-case ids only)', async () => {
    const fake = new FakeSecretManager();
    const store = new SecretManagerStore(project, { client: fake });
    const a = await store.put(scope, 'A', 'a');
    await store.put(scope, 'B', 'b');
    await store.put(scope, 'C', 'c');
    // Same ids but another case: same labels, different secret ids. Must survive.
    const lookalike = await store.put({ wsId: 'WK3XABC9', installId: 'IN5TQ2Z' }, 'A', 'other tenant');
    const other = await store.put({ wsId: scope.wsId, installId: 'Another1' }, 'A', 'kept');

    await store.delete(a);
    expect(await store.get(a)).toBeNull();
    await store.delete(a); // idempotent
    expect(await store.deleteAll(scope)).toBe(2);
    expect(await store.deleteAll(scope)).toBe(0);
    expect(await store.get(lookalike)).toBe('other tenant');
    expect(await store.get(other)).toBe('kept');
  });

  it('maps transient gRPC failures to a retryable AppError', async () => {
    const fake = new FakeSecretManager();
    fake.accessSecretVersion = async () => {
      throw Object.assign(new Error('UNAVAILABLE'), { code: 14 });
    };
    const err = await new SecretManagerStore(project, { client: fake }).get('projects/acme-prod/secrets/am-w-i-A/versions/1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ kind: 'unavailable', code: 'secret_store_unavailable' });
  });

  it('requires a real project id', () => {
    expect(() => new SecretManagerStore('Not A Project')).toThrow(/project id/);
  });
});
