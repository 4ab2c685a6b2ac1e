import { describe, expect, it } from 'vitest';
import { VERIFICATION_REFRESH_MS, verificationWorthRecording } from '../src/domain/cloud/connections.ts';

/**
 * Every dispatch of a connected install checks its connection (app/cloud/preflight.ts). The result
 * is kept on the connection, one document that every install on it shares: recorded when it says
 * something new, or when the one kept is getting old, not on every run.
 */
describe('recording a connection check', () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 11, 1) + ms);
  const check = (over: Partial<Parameters<typeof verificationWorthRecording>[1]> = {}) => ({
    at: at(0),
    scopes: ['vm.list', 'vm.stop'],
    ok: true,
    missing: [],
    unchecked: [],
    error: null,
    ...over,
  });

  it('records the first check, and one that says something new', () => {
    expect(verificationWorthRecording(null, check())).toBe(true);
    expect(verificationWorthRecording(check(), check({ at: at(1_000), ok: false, missing: [{ scope: 'vm.stop', permissions: ['compute.instances.stop'] }] }))).toBe(true);
    expect(verificationWorthRecording(check(), check({ at: at(1_000), scopes: ['vm.list'] }))).toBe(true);
    expect(verificationWorthRecording(check(), check({ at: at(1_000), error: { code: 'cloud_throttled', message: 'slow down' } }))).toBe(true);
    expect(verificationWorthRecording(check({ error: { code: 'cloud_throttled', message: 'a' } }), check({ at: at(1_000), error: { code: 'cloud_unavailable', message: 'b' } }))).toBe(true);
  });

  it('does not record the same answer again until the kept one is old', () => {
    expect(verificationWorthRecording(check(), check({ at: at(60_000) }))).toBe(false);
    // The same scopes in another order are the same answer.
    expect(verificationWorthRecording(check(), check({ at: at(60_000), scopes: ['vm.stop', 'vm.list'] }))).toBe(false);
    expect(verificationWorthRecording(check(), check({ at: at(VERIFICATION_REFRESH_MS) }))).toBe(true);
  });
});
