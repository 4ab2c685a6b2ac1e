/**
 * Cloud connections in the web app (issue 24): the wizard's connect step (shown even for an
 * agent without secrets) with the workspace's identity, a GCP project connected from its form,
 * the least-privilege grant, Test connection against the stand-in of Google's APIs (all granted,
 * then a revoked permission named), a forged AWS external id refused at its field, the choice
 * saved on Continue; Settings → Cloud connections refusing to remove a connection in use; and
 * the manifest viewer's "On your cloud".
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { alertText, browserTest, checkPage, collectErrors, newPage, poll, signInAs } from '../support/browserChecks.ts';
import { apiAs } from '../support/client.ts';
import { newGcpProject, standInProject } from '../support/cloud.ts';
import { urls } from '../support/stack.ts';
import { grantFor } from '../../functions/src/domain/cloud/scopeTable.ts';
import { addMember, newWorkspace, signUp } from '../support/users.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('cloud connections in the web app', () => {
  it('connects a GCP project from the wizard, shows its grant, tests it, saves it; Settings refuses to remove it while in use; the manifest says what the agent does on each cloud', browserTest, async () => {
    const owner = await signUp('cloud');
    const ws = await newWorkspace(owner, 'Cloud');
    const api = apiAs(owner.idToken);
    const draft = await api.call('startInstall', { params: { wsId: ws.id }, body: { agentId: 'idle-vm-reaper' } });
    const identity = await api.call('getCloudIdentity', { params: { wsId: ws.id } });
    const project = newGcpProject();
    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    await signInAs(page, owner, { id: ws.id, name: 'Cloud' });

    // The reaper declares no secrets, yet its connect step is shown: it acts on a cloud.
    await page.goto(`${urls.web}/#/install/${ws.id}/${draft.id}?step=configure`);
    await poll(() => page.getByRole('heading', { name: 'Step 2 of 6: Configure' }).count()).toBe(1);
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await poll(() => page.getByRole('heading', { name: 'Step 3 of 6: Connect' }).count()).toBe(1);
    const sandbox = page.getByRole('radio', { name: 'Sandbox (sample resources, nothing real is touched)' });
    await poll(() => sandbox.isChecked()).toBe(true);
    expect(await page.getByText('This agent needs no secrets.').count()).toBe(1);
    await checkPage(page, 'cloud-wizard-connect');

    // The choice is a radio group: the arrow keys move to "Connect a new account", whose form shows the identity first.
    await sandbox.focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.getByRole('radio', { name: 'Connect a new account' }).isChecked()).toBe(true);
    await poll(() => page.locator('#wizard-connect-identity-gcp-sa').innerText()).toBe(identity.gcp.serviceAccount);
    expect(await page.getByRole('button', { name: 'Copy service account' }).isVisible()).toBe(true);

    // AWS: the principal and the external id to require; a bad region is caught here, a forged external id by the API, each at its field.
    await page.getByRole('radio', { name: 'AWS', exact: true }).check();
    expect(await page.locator('#wizard-connect-identity-aws-principal').innerText()).toBe(identity.aws.platformPrincipalArn);
    expect(await page.locator('#wizard-connect-identity-aws-external-id').innerText()).toBe(identity.aws.externalId);
    expect(await page.getByLabel('External id', { exact: true }).inputValue()).toBe(identity.aws.externalId);
    await page.getByLabel('Role ARN').fill('arn:aws:iam::123456789012:role/agent-marketplace');
    await page.getByLabel('External id', { exact: true }).fill('forged-external-id');
    await page.getByLabel('Regions').fill('us-east-1, mars-north-9x');
    await page.getByLabel('Name', { exact: true }).fill('AWS prod');
    await page.getByRole('button', { name: 'Connect account' }).click();
    await poll(() => page.locator('#wizard-connect-regions-error').innerText()).toBe('Not an AWS region: mars-north-9x. Regions look like us-east-1.');
    expect(await page.getByLabel('Regions').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Regions').fill('us-east-1, eu-west-1');
    await page.getByRole('button', { name: 'Connect account' }).click();
    await poll(() => page.locator('#wizard-connect-external-id-error').innerText()).toBe("Not this workspace's external id. Use the one shown above, and make your role's trust policy require it.");
    expect(await page.getByLabel('External id', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#wizard-connect-regions-error').innerText()).toBe('');
    await checkPage(page, 'cloud-wizard-aws-refused');

    // GCP: a fresh project, answered by the stand-in (every permission granted by default).
    await page.getByRole('radio', { name: 'GCP', exact: true }).check();
    await page.getByLabel('Project or organisation id').fill(project);
    await page.getByLabel('Name', { exact: true }).fill('Prod');
    await page.getByRole('button', { name: 'Connect account' }).click();
    const chosen = page.getByRole('radio', { name: `Prod: GCP project ${project}` });
    await poll(() => chosen.isChecked()).toBe(true);

    // Its least-privilege grant: gcloud first, Terraform a tab away (arrow keys too), the scopes in GCP's terms.
    await poll(() => page.locator('#wizard-grant-gcloud').innerText()).toContain('gcloud iam roles create agentMarketplace_idle_vm_reaper');
    // The draft took the chosen connection at once, so the grant names its project.
    expect(await page.locator('#wizard-grant-gcloud').innerText()).toContain(`--project=${project}`);
    expect(await page.locator('#wizard-grant-gcloud').innerText()).toContain(identity.gcp.serviceAccount);
    expect(await page.locator('#wizard-grant-terraform').isVisible()).toBe(false);
    await page.getByRole('tab', { name: 'gcloud' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Terraform' }).getAttribute('aria-selected')).toBe('true');
    await poll(() => page.locator('#wizard-grant-terraform').isVisible()).toBe(true);
    expect(await page.locator('#wizard-grant-terraform').innerText()).toContain('google_project_iam_custom_role');
    expect(await page.locator('.cloud-grant li[data-scope="vm.stop"]').innerText()).toContain('compute.instances.stop');

    // Test connection: all granted; then the customer revokes compute.instances.stop and the test names it.
    const test = page.getByRole('button', { name: 'Test connection' });
    const result = page.locator('#wizard-test-result');
    expect(await result.getAttribute('aria-live')).toBe('polite');
    await test.click();
    await poll(() => result.innerText()).toBe(`All ${grantFor('gcp', ['vm.list', 'vm.stop']).permissions.length} permissions granted.`);
    expect(await test.getAttribute('aria-busy')).toBe(null);
    // Everything the reaper needs but what only stopping takes.
    const listing = grantFor('gcp', ['vm.list']).permissions;
    await standInProject(project, { granted: listing });
    await test.click();
    await poll(() => result.innerText()).toContain('1 scope lacks permissions:');
    const lacking = grantFor('gcp', ['vm.stop']).permissions.filter((p) => !listing.includes(p));
    expect(await result.locator('li[data-scope="vm.stop"]').innerText()).toBe(`vm.stop: ${lacking.join(', ')}`);
    await checkPage(page, 'cloud-wizard-grant');

    // Continue saves the choice on the install.
    await page.getByRole('button', { name: 'Continue' }).click();
    await poll(() => page.getByRole('heading', { name: 'Step 4 of 6: Consent' }).count()).toBe(1);
    const install = await api.call('getInstall', { params: { wsId: ws.id, installId: draft.id } });
    expect(install.connection).toMatchObject({ provider: 'gcp', account: project });
    const connectionId = install.connection!.id;
    // The review step names the account the agent will act on.
    await page.goto(`${urls.web}/#/install/${ws.id}/${draft.id}?step=review`);
    await poll(() => page.locator('.wizard-step').innerText()).toContain(`Cloud account\nGCP project ${project}`);

    // Settings: the connection, its last test; Test checks the install's consented scopes; Remove is refused while the install acts on it.
    await api.call('consentInstall', { params: { wsId: ws.id, installId: draft.id }, body: { scopes: ['vm.list', 'vm.stop'] } });
    await page.goto(`${urls.web}/#/settings`);
    const row = page.locator(`li[data-connection="${connectionId}"]`);
    await poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toContain(`GCP project ${project}`);
    expect(await row.innerText()).toMatch(/GCP, added by you on .*\nLast test on .*: 1 scope lacks permissions\./);
    await row.getByRole('button', { name: 'Test' }).click();
    await poll(() => row.locator('.verification').innerText()).toContain(`vm.stop: ${lacking.join(', ')}`);
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Remove' }).click();
    await poll(() => row.locator('.test-result').innerText()).toContain('Prod cannot be removed: Installs act on this connection: idle-vm-reaper');
    expect(await alertText(page)).toContain('Prod cannot be removed');
    expect((await api.call('listConnections', { params: { wsId: ws.id } })).items.map((c) => c.id)).toEqual([connectionId]);
    // Settings offers the same form as the wizard.
    expect(await page.locator('#settings-connect-identity-gcp-sa').innerText()).toBe(identity.gcp.serviceAccount);
    await checkPage(page, 'cloud-settings');

    // The manifest viewer: "On your cloud", per provider, with the permissions behind each scope.
    await page.goto(`${urls.web}/#/agents/idle-vm-reaper`);
    await poll(() => page.getByRole('heading', { name: 'On your cloud' }).count()).toBe(1);
    const gcpStop = page.locator('[data-provider="gcp"] li[data-scope="vm.stop"]');
    await poll(() => gcpStop.innerText()).toContain('Stop Compute Engine VM instances');
    expect(await gcpStop.locator('code').allInnerTexts()).toEqual(['vm.stop', ...grantFor('gcp', ['vm.stop']).permissions]);
    expect(await page.locator('[data-provider="aws"] li[data-scope="vm.stop"]').innerText()).toContain('ec2:StopInstances');

    // The only failed requests: the forged external id and the refused removal.
    expect(errors).toEqual([expect.stringMatching(/^400 POST .*\/connections$/), expect.stringMatching(/^409 DELETE .*\/connections\//)]);
    await context.close();
  });

  it('a viewer sees the connections without controls; a 403 met anyway says who may act', browserTest, async () => {
    const ws = await newWorkspace(undefined, 'Viewers');
    const conn = await apiAs(ws.owner.idToken).call('createConnection', { params: { wsId: ws.id }, body: { provider: 'gcp', name: 'Shared', target: { kind: 'project', id: newGcpProject() } } });
    const viewer = await addMember(ws, 'viewer');
    const { context, page } = await newPage(browser);
    const errors = collectErrors(page);
    await signInAs(page, viewer, { id: ws.id, name: 'Viewers' });
    await page.goto(`${urls.web}/#/settings`);
    const row = page.locator(`li[data-connection="${conn.id}"]`);
    await poll(() => row.count()).toBe(1);
    expect(await row.innerText()).toContain('Not tested yet.');
    expect(await row.getByRole('button').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Connect account' }).count()).toBe(0);
    expect(await page.getByText('Owners and admins connect and remove accounts.').count()).toBe(1);
    // API keys are owners' and admins' to manage (and list): a viewer's page does not ask for them, and says why.
    expect(await page.locator('#settings-keys').locator('xpath=..').innerText()).toContain('Owners and admins create and revoke API keys.');
    expect(errors).toEqual([]);
    await context.close();

    // The owner's page, with the role changed under it: the refusal says who may do it.
    const owner = await newPage(browser);
    await signInAs(owner.page, ws.owner, { id: ws.id, name: 'Viewers' });
    await owner.page.route(`**/v1/workspaces/${ws.id}/connections/${conn.id}/test`, (route) =>
      route.fulfill({ status: 403, contentType: 'application/problem+json', json: { type: 'about:blank', title: 'Forbidden', status: 403, code: 'forbidden', detail: 'Your role lacks installs.manage.', requestId: 'r' } }),
    );
    await owner.page.goto(`${urls.web}/#/settings`);
    const ownerRow = owner.page.locator(`li[data-connection="${conn.id}"]`);
    await poll(() => ownerRow.getByRole('button', { name: 'Test' }).count()).toBe(1);
    await ownerRow.getByRole('button', { name: 'Test' }).click();
    await poll(() => alertText(owner.page)).toContain('Your role does not allow this: owners and admins connect, test and remove cloud accounts.');
    await owner.context.close();
  });
});
