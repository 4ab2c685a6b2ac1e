/**
 * The workspace's approval log as a JSON file: every page of `approvalAudit`, the server's
 * verification of each, the same check repeated in the browser (verifyApprovalLog: each
 * record's SHA-256 chained to the one before), and a link that saves what was checked.
 */
import { verifyApprovalLog, type AuditRecord } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { formatCount, t } from '../../i18n.ts';
import { showError } from '../../messages.ts';
import { busy, h, replace } from '../../ui/dom.ts';

type Verdict = { ok: true; checked: number } | { ok: false; brokenAt: number; reason: string };

async function exportLog(wsId: string, signal: AbortSignal) {
  const records: AuditRecord[] = [];
  let head = { seq: 0, hash: '' };
  let server: Verdict = { ok: true, checked: 0 };
  let after = 0;
  for (;;) {
    const page = await api.call('approvalAudit', { params: { wsId }, query: { after, limit: 1000 }, signal });
    records.push(...page.records);
    head = page.head;
    const v = page.verification;
    if (server.ok) server = v.ok ? { ok: true, checked: server.checked + v.checked } : { ok: false, brokenAt: v.brokenAt ?? 0, reason: v.reason ?? '' };
    if (page.next === null) return { records, head, server, algorithm: page.algorithm };
    after = page.next;
  }
}

function verdictText(v: Verdict): string {
  return v.ok ? t('approvals.audit.verified', { n: formatCount(v.checked) }) : t('approvals.audit.broken', { n: v.brokenAt, reason: v.reason });
}

export function auditExport(wsId: string, signal: AbortSignal): HTMLElement {
  const run = h('button', { type: 'button', class: 'secondary' }, t('approvals.audit.export'));
  const result = h('div', { class: 'audit-result', 'aria-live': 'polite' });
  let url: string | null = null;
  signal.addEventListener('abort', () => url && URL.revokeObjectURL(url));
  run.addEventListener('click', () => {
    void busy(run, async () => {
      replace(result, h('p', { class: 'muted' }, t('common.loading')));
      const log = await exportLog(wsId, signal);
      // The browser's own check; where Web Crypto is missing (an insecure origin) the server's stands alone.
      const mine: Verdict | null = globalThis.crypto?.subtle ? await verifyApprovalLog(log.records) : null;
      const verdict = !log.server.ok ? log.server : mine && !mine.ok ? mine : log.server;
      const file = { workspace: wsId, exportedAt: new Date().toISOString(), algorithm: log.algorithm, head: log.head, verification: verdict, records: log.records };
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: 'application/json' }));
      const name = `approval-log-${wsId}.json`;
      replace(
        result,
        h('p', { class: `audit-verdict ${verdict.ok ? 'ok' : 'failed'}` }, verdictText(verdict)),
        mine ? h('p', { class: 'hint' }, t(mine.ok ? 'approvals.audit.browserOk' : 'approvals.audit.browserBroken')) : null,
        h('p', {}, h('a', { href: url, download: name, class: 'audit-download' }, t('approvals.audit.download', { name }))),
      );
    }).catch((err: unknown) => {
      replace(result);
      showError(err);
    });
  });
  return h('div', { class: 'audit' }, h('p', { class: 'hint' }, t('approvals.audit.intro')), run, result);
}
