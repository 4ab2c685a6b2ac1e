import { describe, expect, it } from 'vitest';
import { checkDestination, checkScheme, classifyAddress, canonicalAddress, parseIPv6 } from '../src/domain/addressPolicy.ts';
import { afterAttempt, channelWants, nextRetryAt, retryable, DEFAULT_RETRY, type DeliveryAttempt } from '../src/domain/notifications.ts';
import type { Run, RunEvent } from '../src/domain/models.ts';
import { runEventFor } from '../src/domain/runEvents.ts';

const open = { allowedAddresses: [] as string[], allowHttp: false };

describe('address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'link_local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['198.18.0.1', 'reserved'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fc00::1', 'unique_local'],
    ['fd12:3456::1', 'unique_local'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:0a00:0001::1', 'reserved'],
    ['2001:db8::1', 'documentation'],
    ['::127.0.0.1', 'reserved'],
    ['2001:4860:4860::8888', 'public'],
    ['[2606:4700::1111]', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['not-an-ip', 'invalid'],
    ['1.2.3', 'invalid'],
    ['01.2.3.4', 'invalid'],
    ['1:2:3:4:5:6:7:8:9', 'invalid'],
    ['1::2::3', 'invalid'],
  ])('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it('parses IPv6 forms to the same groups', () => {
    expect(parseIPv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(canonicalAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalAddress('0:0:0:0:0:0:0:1')).toBe(canonicalAddress('::1'));
  });

  it('refuses internal literals, names resolving to internal addresses, and internal names', () => {
    expect(checkDestination('169.254.169.254', ['169.254.169.254'], open)).toMatchObject({ ok: false, code: 'destination_not_allowed' });
    expect(checkDestination('10.0.0.1', ['10.0.0.1'], open)).toMatchObject({ ok: false, code: 'destination_not_allowed' });
    expect(checkDestination('[::1]', ['::1'], open)).toMatchObject({ ok: false });
    expect(checkDestination('hooks.example.com', ['127.0.0.1'], open)).toMatchObject({ ok: false, reason: expect.stringMatching(/resolves to 127\.0\.0\.1/) });
    // One internal address among public ones is enough to refuse.
    expect(checkDestination('mixed.example.com', ['93.184.216.34', '10.1.2.3'], open)).toMatchObject({ ok: false });
    expect(checkDestination('metadata.google.internal', ['8.8.8.8'], open)).toMatchObject({ ok: false });
    expect(checkDestination('localhost', ['8.8.8.8'], open)).toMatchObject({ ok: false });
    expect(checkDestination('nowhere.example.com', [], open)).toMatchObject({ ok: false });
    expect(checkDestination('hooks.example.com', ['93.184.216.34', '2606:2800:220:1::1'], open)).toEqual({ ok: true });
  });

  it('the allow-list admits a literal address only, never a name resolving to it', () => {
    const local = { allowedAddresses: ['127.0.0.1'], allowHttp: true };
    expect(checkDestination('127.0.0.1', ['127.0.0.1'], local)).toEqual({ ok: true });
    expect(checkDestination('localhost', ['127.0.0.1'], local)).toMatchObject({ ok: false });
    expect(checkDestination('my-receiver.test', ['127.0.0.1'], local)).toMatchObject({ ok: false });
    expect(checkDestination('::1', ['::1'], local)).toMatchObject({ ok: false });
    expect(checkDestination('10.0.0.1', ['10.0.0.1'], local)).toMatchObject({ ok: false });
  });

  it('refuses plain http unless allowed, and any other scheme', () => {
    expect(checkScheme('https:', open)).toEqual({ ok: true });
    expect(checkScheme('http:', open)).toMatchObject({ ok: false, code: 'scheme_not_allowed' });
    expect(checkScheme('http:', { ...open, allowHttp: true })).toEqual({ ok: true });
    expect(checkScheme('file:', { ...open, allowHttp: true })).toMatchObject({ ok: false, code: 'scheme_not_allowed' });
  });
});

describe('notification delivery rules', () => {
  it('a channel takes the events its filter names, all when empty, none when disabled', () => {
    expect(channelWants({ enabled: true, events: [] }, 'run.failed')).toBe(true);
    expect(channelWants({ enabled: true, events: ['run.failed'] }, 'run.failed')).toBe(true);
    expect(channelWants({ enabled: true, events: ['run.failed'] }, 'approval.requested')).toBe(false);
    expect(channelWants({ enabled: false, events: [] }, 'run.failed')).toBe(false);
  });

  it('backs off exponentially with bounded jitter, capped, within a day', () => {
    const t0 = new Date('2030-01-01T00:00:00Z');
    const at = (n: number, failed: Date, r = 0) => nextRetryAt(n, t0, failed, DEFAULT_RETRY, () => r);
    expect(at(1, t0)!.getTime() - t0.getTime()).toBe(30_000);
    expect(at(2, t0)!.getTime() - t0.getTime()).toBe(60_000);
    expect(at(3, t0, 1)!.getTime() - t0.getTime()).toBe(144_000);
    expect(at(20, t0)!.getTime() - t0.getTime()).toBe(3_600_000);
    // The schedule ends a day after the first attempt.
    let failed = t0;
    let n = 1;
    for (let next = at(n, failed); next; next = at(++n, failed)) failed = next;
    expect(failed.getTime() - t0.getTime()).toBeLessThanOrEqual(24 * 3600 * 1000);
    expect(n).toBeGreaterThan(25);
    expect(n).toBeLessThan(35);
  });

  it('retries network errors, 408, 429 and 5xx only', () => {
    const a = (httpStatus: number | null, code?: string) => ({ ok: false, httpStatus, error: code ? { code, message: '' } : null });
    expect(retryable(a(500))).toBe(true);
    expect(retryable(a(503))).toBe(true);
    expect(retryable(a(429))).toBe(true);
    expect(retryable(a(null, 'timeout'))).toBe(true);
    expect(retryable(a(404))).toBe(false);
    expect(retryable(a(410))).toBe(false);
    expect(retryable(a(null, 'destination_not_allowed'))).toBe(false);
  });

  it('records each attempt: delivered, retrying (webhooks), failed, refused', () => {
    const t0 = new Date('2030-01-01T00:00:00Z');
    const attempt = (over: Partial<DeliveryAttempt>): DeliveryAttempt => ({ n: 1, at: t0, ok: false, httpStatus: 500, smtpResponse: null, error: null, durationMs: 5, ...over });
    const d = { attempts: [], attemptCount: 0, createdAt: t0 };
    expect(afterAttempt(d, attempt({ ok: true, httpStatus: 200 }), 'webhook').status).toBe('delivered');
    const retry = afterAttempt(d, attempt({}), 'webhook', DEFAULT_RETRY, () => 0);
    expect(retry).toMatchObject({ status: 'retrying', attemptCount: 1, nextAttemptAt: new Date(t0.getTime() + 30_000) });
    expect(afterAttempt(d, attempt({}), 'slack').status).toBe('failed');
    expect(afterAttempt(d, attempt({ httpStatus: null, error: { code: 'destination_not_allowed', message: 'x' } }), 'webhook').status).toBe('refused');
    const late = afterAttempt({ ...d, createdAt: new Date(t0.getTime() - 24 * 3600 * 1000) }, attempt({ n: 30 }), 'webhook');
    expect(late).toMatchObject({ status: 'failed', nextAttemptAt: null });
  });
});

describe('run events', () => {
  const run = (over: Partial<Run>): Run =>
    ({ id: 'r1', wsId: 'w1', installId: 'i1', agentId: 'a', agentVersion: '1.0.0', state: 'running', attempt: 1, maxAttempts: 3, timeoutSeconds: 60, error: null, ...over }) as Run;
  const ev = (from: RunEvent['from'], to: RunEvent['to'], seq = 4): RunEvent => ({ seq, from, to, reason: 'x', attempt: 1, at: new Date('2030-01-01T00:00:00Z') });

  it('notifies failures, timeouts, late successes and approvals; nothing else', () => {
    expect(runEventFor(run({ state: 'failed', error: { code: 'agent_crashed', message: 'secret stuff' } }), ev('running', 'failed'))).toMatchObject({
      id: 'run:r1:4',
      type: 'run.failed',
      wsId: 'w1',
      occurredAt: '2030-01-01T00:00:00.000Z',
      subject: { runId: 'r1', installId: 'i1', agentId: 'a' },
      data: { errorCode: 'agent_crashed' },
    });
    expect(JSON.stringify(runEventFor(run({ state: 'failed', error: { code: 'x', message: 'secret stuff' } }), ev('running', 'failed')))).not.toContain('secret stuff');
    expect(runEventFor(run({ state: 'timed_out' }), ev('running', 'timed_out'))?.type).toBe('run.timed_out');
    expect(runEventFor(run({ state: 'succeeded', attempt: 2 }), ev('running', 'succeeded'))?.type).toBe('run.succeeded_after_retries');
    expect(runEventFor(run({ state: 'succeeded', attempt: 1 }), ev('running', 'succeeded'))).toBeNull();
    expect(runEventFor(run({ state: 'awaiting_approval' }), ev('running', 'awaiting_approval'))?.type).toBe('run.awaiting_approval');
    for (const [from, to] of [['queued', 'dispatching'], ['dispatching', 'starting'], ['starting', 'running'], ['running', 'queued'], ['running', 'canceled']] as const) {
      expect(runEventFor(run({ state: to }), ev(from, to))).toBeNull();
    }
  });
});
