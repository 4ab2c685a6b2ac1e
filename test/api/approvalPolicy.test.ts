import { describe, expect, it } from 'vitest';
import { call, codeOf } from '../support/http.ts';
import { addMember, installAgent, newWorkspace } from '../support/users.ts';

/** An install's approval policy: defaults from the manifest, validated edits, and only owners loosen. */
describe('approval policy', () => {
  it('starts from the manifest, refuses what it cannot hold, and lets only an owner make it less strict', async () => {
    const ws = await newWorkspace();
    const admin = await addMember(ws, 'admin');
    const operator = await addMember(ws, 'operator');
    const installId = await installAgent(ws, 'idle-vm-reaper');
    const path = `/workspaces/${ws.id}/installs/${installId}/approval-policy`;
    const put = (token: string, rules: unknown) => call('PUT', path, { token, body: { rules } });

    const initial = (await call('GET', path, { token: operator.idToken })).body;
    expect(initial.gated).toEqual([{ action: 'vm.stop', risk: 'high', description: expect.any(String), rule: 'wizard' }]);
    expect(initial.rules['vm.stop']).toMatchObject({ levels: [{ approvers: { roles: ['owner', 'admin', 'approver'] }, required: 1 }], allowRequester: true });

    // Handing a level to another role is not stricter: only an owner.
    const operators = { 'vm.stop': { levels: [{ approvers: { roles: ['operator'] } }, { approvers: { roles: ['admin', 'owner'] } }], allowRequester: false } };
    const handed = await put(admin.idToken, operators);
    expect({ status: handed.status, code: codeOf(handed) }).toEqual({ status: 403, code: 'approval_policy_looser' });
    expect(handed.body.detail).toMatch(/level 1 adds operator/);
    // Stricter: fewer roles at level 1, a second level, the requester may not approve. An admin may.
    const strict = { 'vm.stop': { levels: [{ approvers: { roles: ['admin', 'owner'] } }, { approvers: { roles: ['owner'] } }], allowRequester: false } };
    const saved = await put(admin.idToken, strict);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ rules: { 'vm.stop': { levels: [{ slaMinutes: 1440, onExpiry: 'reject' }, {}] } }, gated: [{ rule: 'vm.stop' }], updatedBy: admin.uid });

    // Looser (one level, or the requester allowed again): only an owner.
    const looser = { 'vm.stop': { levels: [{ approvers: { roles: ['admin', 'owner'] } }], allowRequester: true } };
    const refused = await put(admin.idToken, looser);
    expect({ status: refused.status, code: codeOf(refused) }).toEqual({ status: 403, code: 'approval_policy_looser' });
    expect(refused.body.detail).toMatch(/fewer levels.*requester may approve/);
    expect((await put(ws.owner.idToken, looser)).status).toBe(200);

    // Not a gated action; a level nobody in the workspace can satisfy; a named non-member; a bad shape.
    expect(codeOf(await put(ws.owner.idToken, { 'vm.delete': strict['vm.stop'] }))).toBe('approval_policy_invalid');
    expect(codeOf(await put(ws.owner.idToken, { 'vm.stop': { levels: [{ approvers: { roles: ['approver'] } }] } }))).toBe('approval_policy_unsatisfiable');
    expect(codeOf(await put(ws.owner.idToken, { 'vm.stop': { levels: [{ approvers: { members: ['nobodyHere1'] } }] } }))).toBe('approval_policy_invalid');
    const shape = await put(ws.owner.idToken, { 'vm.stop': { levels: [] } });
    expect({ status: shape.status, code: codeOf(shape) }).toEqual({ status: 400, code: 'validation_failed' });
    // A risk-level rule applies to every gated action of that risk without its own rule.
    expect((await put(ws.owner.idToken, { 'risk:high': { levels: [{ approvers: { members: [operator.uid] } }] } })).body.gated[0].rule).toBe('risk:high');

    // Operators and API keys cannot edit policies.
    expect((await put(operator.idToken, strict)).status).toBe(403);
  });

  it("risk-level rules also govern agents' own requests: only an owner loosens one, even where no gated action has that risk", async () => {
    const ws = await newWorkspace();
    const admin = await addMember(ws, 'admin');
    // idle-vm-reaper's one gated action is high risk; its requests may be of any risk.
    const installId = await installAgent(ws, 'idle-vm-reaper');
    const put = (token: string, rules: unknown) => call('PUT', `/workspaces/${ws.id}/installs/${installId}/approval-policy`, { token, body: { rules } });
    const twoLevels = { 'risk:low': { levels: [{ approvers: { roles: ['admin', 'owner'] } }, { approvers: { roles: ['owner'] } }], allowRequester: false } };
    expect((await put(ws.owner.idToken, twoLevels)).status).toBe(200);
    const oneLevel = { 'risk:low': { levels: [{ approvers: { roles: ['admin', 'owner'] } }], allowRequester: false } };
    const refused = await put(admin.idToken, oneLevel);
    expect({ status: refused.status, code: codeOf(refused) }).toEqual({ status: 403, code: 'approval_policy_looser' });
    expect(refused.body.detail).toMatch(/risk:low/);
    // Dropping the rule altogether falls back to the default (one level, the requester allowed): looser too.
    expect(codeOf(await put(admin.idToken, {}))).toBe('approval_policy_looser');
    expect((await put(ws.owner.idToken, oneLevel)).status).toBe(200);
  });
});
