import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { uniqueWord } from '../support/catalog.ts';
import { apiAs } from '../support/client.ts';
import { call, codeOf } from '../support/http.ts';
import { eventually, mailTo } from '../support/notify.ts';
import { agentYaml, bundleOf, errorOf, makeAdmin, waitForState } from '../support/publishing.ts';
import { projectId } from '../support/stack.ts';
import { installAgent, newWorkspace, signUp, waitForRun } from '../support/users.ts';

/**
 * The developer portal end to end (issue 23, docs/publishing.md): a publisher submits versions
 * over REST, the scan runs as a background task, a platform admin reviews, the local deployer
 * builds and "deploys" the version, it is published, customers install and run it from its
 * built folder; yanking and deprecating change what the catalog offers.
 */
describe('publishing: submit, scan, review, build, publish, install, yank', () => {
  it('takes a version from submission to a run, and a bad one never reaches review', { timeout: 240_000 }, async () => {
    const dev = await signUp('dev');
    const admin = await signUp('admin');
    await makeAdmin(admin);
    const outsider = await signUp('outsider');
    const devApi = apiAs(dev.idToken);
    const adminApi = apiAs(admin.idToken);
    const publisherId = `pub-${uniqueWord()}`;
    const agentId = `hello-${uniqueWord()}`;

    // A publisher: its creator owns it; to anyone else it does not exist.
    const publisher = await devApi.call('createPublisher', { body: { id: publisherId, name: 'Hello Labs' } });
    expect(publisher).toMatchObject({ id: publisherId, myRole: 'owner', memberCount: 1 });
    expect((await devApi.call('listMyPublishers', {})).items.map((p) => p.id)).toContain(publisherId);
    expect(await errorOf(apiAs(outsider.idToken).call('getPublisher', { params: { publisherId } }))).toEqual({ status: 404, code: 'publisher_not_found' });
    expect(await errorOf(apiAs(outsider.idToken).call('createPublisher', { body: { id: publisherId, name: 'Mine now' } }))).toEqual({ status: 409, code: 'publisher_id_taken' });
    // Seeded agents name publishers with no document: their ids are not free either.
    expect(await errorOf(apiAs(outsider.idToken).call('createPublisher', { body: { id: 'platform-tests', name: 'Probe owners' } }))).toEqual({ status: 409, code: 'publisher_id_taken' });

    // 1.0.0: submitted, scanned by the pipeline task, in review.
    const yaml1 = agentYaml(agentId, publisherId, '1.0.0');
    const submitted = await devApi.call('submitVersion', { params: { publisherId, agentId }, body: { manifest: yaml1, bundle: { base64: await bundleOf(yaml1, '1.0.0') } } });
    expect(submitted).toMatchObject({ state: 'submitted', version: '1.0.0', scan: null, releaseNotes: expect.stringContaining('says hello') });
    const inReview = await waitForState(dev, publisherId, agentId, '1.0.0', ['in_review', 'scan_failed']);
    expect(inReview.state).toBe('in_review');
    expect(inReview.scan?.passed).toBe(true);
    // Not in the catalog yet, to anyone.
    expect((await call('GET', `/agents/${agentId}`)).status).toBe(404);

    // Review: admins only; the queue names the scopes the version adds.
    expect(await errorOf(devApi.call('listReviewQueue', {}))).toEqual({ status: 403, code: 'platform_admin_required' });
    expect(await errorOf(devApi.call('approveVersion', { params: { agentId, version: '1.0.0' }, body: {} }))).toEqual({ status: 403, code: 'platform_admin_required' });
    const queue = await adminApi.call('listReviewQueue', {});
    expect(queue.items.find((i) => i.agentId === agentId)).toMatchObject({ version: '1.0.0', publisherId, newScopes: ['vm.list'] });
    await adminApi.call('approveVersion', { params: { agentId, version: '1.0.0' }, body: { comments: 'Looks good.' } });

    // Approved: built (locally: unpacked under .local/builds), its job ready, published.
    const published = await waitForState(dev, publisherId, agentId, '1.0.0', ['published', 'build_failed']);
    expect(published).toMatchObject({ state: 'published', build: { state: 'succeeded', image: expect.stringMatching(/@sha256:[a-f0-9]{64}$/) } });
    expect(published.history.map((h) => h.state)).toEqual(['submitted', 'in_review', 'approved', 'published']);
    const listing = await apiAs().call('getAgent', { params: { agentId } });
    expect(listing).toMatchObject({ id: agentId, latestVersion: '1.0.0', publisher: publisherId });
    // The developers heard at each step.
    await eventually('the published notice', async () => ((await mailTo(dev.email)).some((m) => m.subject.includes('is published')) ? true : undefined));

    // A customer installs and runs it: the executor runs the built folder.
    const ws = await newWorkspace();
    const customer = apiAs(ws.owner.idToken);
    const draft = await customer.call('startInstall', { params: { wsId: ws.id }, body: { agentId } });
    await customer.call('consentInstall', { params: { wsId: ws.id, installId: draft.id }, body: { scopes: ['vm.list'] } });
    await customer.call('deployInstall', { params: { wsId: ws.id, installId: draft.id } });
    const run = await customer.call('triggerRun', { params: { wsId: ws.id, installId: draft.id }, body: { input: { name: 'reviewers' } } });
    const done = await waitForRun(ws, run.id, 60_000);
    expect(done).toMatchObject({ state: 'succeeded', outputs: { greeting: 'hello reviewers', version: '1.0.0' } });

    // The outsider's publisher cannot touch the agent: it does not exist for them.
    await apiAs(outsider.idToken).call('createPublisher', { body: { id: `${publisherId}-x`, name: 'Other' } });
    const foreign = agentYaml(agentId, `${publisherId}-x`, '9.0.0');
    expect(await errorOf(apiAs(outsider.idToken).call('submitVersion', { params: { publisherId: `${publisherId}-x`, agentId }, body: { manifest: foreign, bundle: { base64: await bundleOf(foreign, '9.0.0') } } }))).toEqual({
      status: 404,
      code: 'agent_not_found',
    });
    expect(await errorOf(apiAs(outsider.idToken).call('listDeveloperVersions', { params: { publisherId: `${publisherId}-x`, agentId } }))).toEqual({ status: 404, code: 'agent_not_found' });

    // 1.1.0 with a key in its code, a symlink, and a high-risk scope no approval gates: the scan
    // stops it before review and says why.
    const yaml2 = agentYaml(agentId, publisherId, '1.1.0');
    const risky = yaml2.replace('permissions:\n', 'permissions:\n  - scope: vm.delete\n    risk: high\n    reason: deletes the machines it greets\n');
    await devApi.call('submitVersion', {
      params: { publisherId, agentId },
      body: { manifest: risky, bundle: { base64: await bundleOf(risky, '1.1.0', { 'src/config.js': `export const key = 'AKIA${'Q'.repeat(16)}';\n` }, { 'src/inventory.json': '/etc/passwd' }) } },
    });
    const blocked = await waitForState(dev, publisherId, agentId, '1.1.0', ['scan_failed', 'in_review']);
    expect(blocked.state).toBe('scan_failed');
    const check = (id: string) => blocked.scan!.checks.find((c) => c.id === id)!;
    expect(check('secrets')).toMatchObject({ status: 'fail', blocker: true, findings: [expect.objectContaining({ path: 'src/config.js', line: 1 })] });
    expect(check('bundle')).toMatchObject({ status: 'fail', blocker: true, findings: expect.arrayContaining([expect.objectContaining({ path: 'src/inventory.json' })]) });
    expect(check('permissions')).toMatchObject({ status: 'warn', findings: expect.arrayContaining([expect.objectContaining({ message: expect.stringContaining('vm.delete') })]) });
    expect(JSON.stringify(blocked.scan)).not.toContain('Q'.repeat(16));
    expect((await adminApi.call('listReviewQueue', {})).items.some((i) => i.agentId === agentId)).toBe(false);

    // Fixed and submitted again under the same number; changes requested; fixed again; approved.
    await devApi.call('submitVersion', { params: { publisherId, agentId }, body: { manifest: yaml2, bundle: { base64: await bundleOf(yaml2, '1.1.0') } } });
    await waitForState(dev, publisherId, agentId, '1.1.0', ['in_review']);
    expect(await errorOf(devApi.call('submitVersion', { params: { publisherId, agentId }, body: { manifest: yaml2, bundle: { base64: await bundleOf(yaml2, '1.1.0') } } }))).toEqual({
      status: 409,
      code: 'version_in_progress',
    });
    await adminApi.call('requestVersionChanges', { params: { agentId, version: '1.1.0' }, body: { comments: 'Say why vm.list is needed in the description.' } });
    expect(await errorOf(adminApi.call('approveVersion', { params: { agentId, version: '1.1.0' }, body: {} }))).toEqual({ status: 409, code: 'version_not_in_review' });
    expect((await devApi.call('getDeveloperVersion', { params: { publisherId, agentId, version: '1.1.0' } })).review).toMatchObject({ decision: 'changes_requested', comments: expect.stringContaining('vm.list') });
    await eventually('the changes notice', async () => ((await mailTo(dev.email)).some((m) => m.subject.includes('changes requested') && m.text.includes('vm.list')) ? true : undefined));
    await devApi.call('submitVersion', { params: { publisherId, agentId }, body: { manifest: yaml2, bundle: { base64: await bundleOf(yaml2, '1.1.0', { 'README.md': 'vm.list: to greet the inventory\n' }) } } });
    await waitForState(dev, publisherId, agentId, '1.1.0', ['in_review']);
    await adminApi.call('approveVersion', { params: { agentId, version: '1.1.0' }, body: {} });
    await waitForState(dev, publisherId, agentId, '1.1.0', ['published']);
    expect((await apiAs().call('getAgent', { params: { agentId } })).latestVersion).toBe('1.1.0');
    // Below a published number: refused.
    const low = agentYaml(agentId, publisherId, '1.0.5');
    expect(await errorOf(devApi.call('submitVersion', { params: { publisherId, agentId }, body: { manifest: low, bundle: { base64: await bundleOf(low, '1.0.5') } } }))).toEqual({
      status: 409,
      code: 'version_not_newer',
    });

    // An install moves to 1.1.0; then 1.1.0 is yanked.
    await customer.call('upgradeInstall', { params: { wsId: ws.id, installId: draft.id }, body: { version: '1.1.0' } });
    const yanked = await devApi.call('yankVersion', { params: { publisherId, agentId, version: '1.1.0' }, body: { reason: 'greets the wrong inventory' } });
    expect(yanked.yanked).toMatchObject({ reason: 'greets the wrong inventory' });
    expect((await apiAs().call('getAgent', { params: { agentId } })).latestVersion).toBe('1.0.0');
    const versions = await apiAs().call('listAgentVersions', { params: { agentId } });
    expect(versions.items.find((v) => v.version === '1.1.0')).toMatchObject({ yanked: { reason: 'greets the wrong inventory' } });
    // No new installs of it; the pinned install keeps running it and is told to move.
    expect(await errorOf(customer.call('startInstall', { params: { wsId: ws.id }, body: { agentId, version: '1.1.0' } }))).toEqual({ status: 409, code: 'agent_version_yanked' });
    const status = await customer.call('getInstallVersionStatus', { params: { wsId: ws.id, installId: draft.id } });
    expect(status).toMatchObject({ version: '1.1.0', mustUpgrade: true, latest: '1.0.0', upgrade: { version: '1.0.0', permissionDiff: { added: [], removed: [] } } });
    const pinned = await customer.call('triggerRun', { params: { wsId: ws.id, installId: draft.id }, body: { input: {} } });
    expect((await waitForRun(ws, pinned.id, 60_000)).outputs).toMatchObject({ version: '1.1.0' });

    // Deprecating 1.0.0 leaves it installable, with its message.
    await devApi.call('unyankVersion', { params: { publisherId, agentId, version: '1.1.0' } });
    await devApi.call('deprecateVersion', { params: { publisherId, agentId, version: '1.0.0' }, body: { message: 'Use 1.1 or later.' } });
    const v100 = await apiAs().call('getAgentVersion', { params: { agentId, version: '1.0.0' } });
    expect(v100.deprecated).toMatchObject({ message: 'Use 1.1 or later.' });
    expect((await apiAs().call('getAgent', { params: { agentId } })).latestVersion).toBe('1.1.0');
    // A version in the pipeline is never public.
    expect((await call('GET', `/agents/${agentId}/versions/9.9.9`)).status).toBe(404);

    // A version whose job is gone (locally: its built folder) fails its runs at once, with the reason.
    rmSync(path.join(import.meta.dirname, '../../.local/builds', projectId, agentId, '1.0.0'), { recursive: true, force: true });
    const other = await newWorkspace();
    const orphan = await installAgent(other, agentId, '1.0.0');
    const started = Date.now();
    const failed = await waitForRun(other, (await apiAs(other.owner.idToken).call('triggerRun', { params: { wsId: other.id, installId: orphan }, body: { input: {} } })).id, 30_000);
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'job_not_ready', message: expect.stringContaining(`${agentId}@1.0.0`) } });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('checks roles, manifests and bundles at the door', { timeout: 90_000 }, async () => {
    const owner = await signUp('owner');
    const developer = await signUp('developer');
    const viewer = await signUp('viewer');
    const publisherId = `pub-${uniqueWord()}`;
    const agentId = `hello-${uniqueWord()}`;
    const ownerApi = apiAs(owner.idToken);
    await ownerApi.call('createPublisher', { body: { id: publisherId, name: 'Door Labs' } });
    await ownerApi.call('addPublisherMember', { params: { publisherId }, body: { email: developer.email, role: 'developer' } });
    await ownerApi.call('addPublisherMember', { params: { publisherId }, body: { email: viewer.email, role: 'viewer' } });
    expect(await errorOf(ownerApi.call('addPublisherMember', { params: { publisherId }, body: { email: 'nobody-here@example.test', role: 'viewer' } }))).toEqual({ status: 404, code: 'account_not_found' });
    expect((await ownerApi.call('listPublisherMembers', { params: { publisherId } })).items.map((m) => m.role)).toEqual(['owner', 'developer', 'viewer']);
    expect(await errorOf(apiAs(developer.idToken).call('addPublisherMember', { params: { publisherId }, body: { email: viewer.email, role: 'admin' } }))).toEqual({ status: 403, code: 'publisher_role_forbidden' });
    expect(await errorOf(ownerApi.call('removePublisherMember', { params: { publisherId, uid: owner.uid } }))).toEqual({ status: 409, code: 'last_owner' });

    const yaml = agentYaml(agentId, publisherId, '0.1.0');
    const bundle = await bundleOf(yaml, '0.1.0');
    expect(await errorOf(apiAs(viewer.idToken).call('submitVersion', { params: { publisherId, agentId }, body: { manifest: yaml, bundle: { base64: bundle } } }))).toEqual({
      status: 403,
      code: 'publisher_role_forbidden',
    });
    const dev = apiAs(developer.idToken);
    const other = agentYaml(`${agentId}-b`, publisherId, '0.1.0');
    expect(await errorOf(dev.call('submitVersion', { params: { publisherId, agentId }, body: { manifest: other, bundle: { base64: bundle } } }))).toEqual({ status: 400, code: 'manifest_id_mismatch' });
    const otherPublisher = agentYaml(agentId, 'someone-else', '0.1.0');
    expect(await errorOf(dev.call('submitVersion', { params: { publisherId, agentId }, body: { manifest: otherPublisher, bundle: { base64: bundle } } }))).toEqual({
      status: 400,
      code: 'manifest_publisher_mismatch',
    });
    expect(await errorOf(dev.call('submitVersion', { params: { publisherId, agentId }, body: { manifest: 'id: [', bundle: { base64: bundle } } }))).toMatchObject({ status: 400 });
    expect(await errorOf(dev.call('submitVersion', { params: { publisherId, agentId }, body: { manifest: yaml, bundle: { base64: Buffer.from('not a tarball at all').toString('base64') } } }))).toEqual({
      status: 400,
      code: 'bundle_unreadable',
    });
    const bad = await call('POST', `/publishers/${publisherId}/agents/${agentId}/versions`, { token: developer.idToken, body: { manifest: yaml, bundle: { base64: '***' } } });
    expect(bad.status).toBe(400);
    expect(await errorOf(dev.call('submitVersion', { params: { publisherId, agentId }, body: { manifest: yaml, bundle: { uploadId: 'A'.repeat(24) } } }))).toEqual({ status: 404, code: 'upload_not_found' });

    // A large bundle goes through an upload URL: the store enforces the declared size.
    const bytes = Buffer.from(bundle, 'base64');
    const upload = await dev.call('createBundleUpload', { params: { publisherId, agentId }, body: { sizeBytes: bytes.length } });
    const tooBig = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: Buffer.concat([bytes, Buffer.alloc(10)]) });
    expect(tooBig.status).toBe(413);
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
    expect(put.status).toBeLessThan(300);
    const viaUpload = await dev.call('submitVersion', { params: { publisherId, agentId }, body: { manifest: yaml, bundle: { uploadId: upload.uploadId } } });
    expect(viaUpload).toMatchObject({ state: 'submitted', bundle: { sizeBytes: bytes.length } });
    expect((await ownerApi.call('listPublisherAgents', { params: { publisherId } })).items).toEqual([
      expect.objectContaining({ id: agentId, state: 'draft', latestVersion: null, versions: [expect.objectContaining({ version: '0.1.0' })] }),
    ]);
    // The viewer reads, and only reads.
    expect((await apiAs(viewer.idToken).call('getDeveloperVersion', { params: { publisherId, agentId, version: '0.1.0' } })).version).toBe('0.1.0');
    expect(codeOf(await call('POST', `/publishers/${publisherId}/agents/${agentId}/versions/0.1.0:yank`, { token: viewer.idToken, body: { reason: 'x' } }))).toBe('publisher_role_forbidden');
  });
});
