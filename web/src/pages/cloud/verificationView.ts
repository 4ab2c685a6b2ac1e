/**
 * A "Test connection" answer in words: every permission granted, or the missing ones by scope,
 * or why the provider could not be asked.
 */
import type { ConnectionVerification } from '@agent-marketplace/client';
import { formatDateTime, t, tn } from '../../i18n.ts';
import { h, type Child } from '../../ui/dom.ts';

/** `permissions`: how many permissions the checked scopes stand for, when the caller knows (the wizard has the grant). */
export function verificationView(v: ConnectionVerification, permissions?: number): HTMLElement {
  if (v.error) return h('div', { class: 'verification failed' }, h('p', {}, t('cloud.test.error', { message: v.error.message, code: v.error.code })));
  if (v.ok) {
    const text = v.scopes.length === 0 ? t('cloud.test.nothing') : permissions !== undefined ? tn('cloud.test.allGranted', permissions) : tn('cloud.test.allScopes', v.scopes.length);
    return h('div', { class: 'verification ok' }, h('p', {}, text));
  }
  const items: Child[] = v.missing.map((m) =>
    h(
      'li',
      { 'data-scope': m.scope },
      h('code', {}, m.scope),
      ': ',
      ...(m.permissions.length ? m.permissions.flatMap((p, i) => [i ? ', ' : '', h('code', {}, p)]) : [t('cloud.test.unsupported')]),
    ),
  );
  return h('div', { class: 'verification failed' }, h('p', {}, tn('cloud.test.missing', v.missing.length)), h('ul', {}, ...items));
}

/** One line for a list: "Checked on …: all granted", "… 2 scopes missing permissions", "… failed: …". */
export function verificationSummary(v: ConnectionVerification | null): string {
  if (!v) return t('cloud.verification.never');
  const at = formatDateTime(v.at);
  if (v.error) return t('cloud.verification.error', { when: at, code: v.error.code });
  if (v.ok) return t('cloud.verification.ok', { when: at });
  return tn('cloud.verification.missing', v.missing.length, { when: at });
}
