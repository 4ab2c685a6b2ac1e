import type { WorkspaceIdentities } from '../../app/cloud/ports.js';

/**
 * One service account per workspace in the platform's project (docs/cloud-connections.md
 * "Identities"): created on first use, and impersonable by the platform's dispatcher identity
 * alone (its IAM policy holds one binding: roles/iam.serviceAccountTokenCreator for the
 * dispatcher). IAM REST v1: `projects.serviceAccounts.create` and `.setIamPolicy`.
 */
export class GcpWorkspaceIdentities implements WorkspaceIdentities {
  private readonly made = new Set<string>();
  constructor(
    private readonly options: {
      platformProject: string;
      dispatcherServiceAccount: string;
      platformToken: () => Promise<string>;
      /** `CLOUD_API_ROOT`: a stand-in of Google's APIs (tests). */
      apiRoot?: string;
      fetch?: typeof fetch;
    },
  ) {}

  private url(path: string) {
    const root = this.options.apiRoot ? `${this.options.apiRoot}/iam.googleapis.com` : 'https://iam.googleapis.com';
    return `${root}/v1/${path}`;
  }

  private async post(path: string, body: unknown, what: string, okStatuses: number[] = []): Promise<void> {
    const res = await (this.options.fetch ?? fetch)(this.url(path), {
      method: 'POST',
      headers: { authorization: `Bearer ${await this.options.platformToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.ok || okStatuses.includes(res.status)) return;
    const text = (await res.text()).slice(0, 300);
    throw new Error(`IAM ${what} answered ${res.status}: ${text}`);
  }

  async ensureServiceAccount(wsId: string, email: string): Promise<void> {
    if (this.made.has(email)) return;
    const accountId = email.split('@')[0]!;
    const project = this.options.platformProject;
    // 409: it exists (an earlier call made it); the policy is set again either way, so a half-done first call is finished.
    await this.post(
      `projects/${project}/serviceAccounts`,
      { accountId, serviceAccount: { displayName: `Agent Marketplace workspace ${wsId}`.slice(0, 100), description: 'Acts on customers’ clouds for this workspace’s agents, with the roles they grant it.' } },
      'serviceAccounts.create',
      [409],
    );
    await this.post(
      `projects/${project}/serviceAccounts/${email}:setIamPolicy`,
      { policy: { bindings: [{ role: 'roles/iam.serviceAccountTokenCreator', members: [`serviceAccount:${this.options.dispatcherServiceAccount}`] }] } },
      'serviceAccounts.setIamPolicy',
    );
    this.made.add(email);
  }
}

/** `npm start` on a demo project reaches no Google API: the account's name is all there is to show. */
export class LocalWorkspaceIdentities implements WorkspaceIdentities {
  async ensureServiceAccount(): Promise<void> {}
}
