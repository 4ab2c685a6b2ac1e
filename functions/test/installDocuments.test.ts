import { describe, expect, it } from 'vitest';
import { joinInstall, splitInstall } from '../src/adapters/firestore/installs.ts';
import type { Install } from '../src/domain/models.ts';

const at = new Date('2026-11-02T10:00:00Z');
const install: Install = {
  id: 'i1', wsId: 'w1', agentId: 'a', version: '1.0.0', state: 'active', target: 'saas', config: {},
  secrets: { API_TOKEN: { ref: 'local://w1/i1/API_TOKEN#1', setAt: at, setBy: 'u1' } },
  consent: null,
  triggers: { manual: true, schedules: [], webhook: { enabled: true, secretRef: 'local://w1/i1/platform-webhook-key#1' } },
  approvalPolicy: {}, steps: {}, createdBy: 'u1', createdAt: at, updatedAt: at, deployedAt: null, deployedBy: null,
};

describe("an install's two documents", () => {
  it('the one members read holds no reference; joined again, the install is whole', () => {
    const { shown, refs } = splitInstall(install);
    expect(JSON.stringify(shown)).not.toContain('local://');
    expect(shown.secrets).toEqual({ API_TOKEN: { setAt: at, setBy: 'u1' } });
    expect(refs).toEqual({ secrets: { API_TOKEN: 'local://w1/i1/API_TOKEN#1' }, webhook: 'local://w1/i1/platform-webhook-key#1' });
    expect(joinInstall(shown, refs)).toEqual(install);
  });

  it('a document written before the split keeps working from its inline references', () => {
    expect(joinInstall(install, null)).toEqual(install);
  });
});
