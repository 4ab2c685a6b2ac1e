/**
 * Where an install's version stands (docs/publishing.md "Versions after publication"): a yanked
 * version says so with its reason and offers the upgrade (the install keeps running it until
 * then); a deprecated one shows its publisher's message; a newer version is a quiet "update
 * available". Upgrading first shows what the new version changes in permissions, and asks for
 * consent when they grow; only those who manage installs (owners, admins) get the button.
 */
import type { Install, InstallVersionStatus } from '@agent-marketplace/client';
import { api } from '../../api.ts';
import { formatDateTime, t } from '../../i18n.ts';
import { describeError, isAbort, showError } from '../../messages.ts';
import { navigate } from '../../router.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { needsConsent, permissionDiff } from './permissionDiff.ts';

type Upgrade = NonNullable<InstallVersionStatus['upgrade']>;

/** The panel that shows the diff, then upgrades on confirmation; Cancel or Escape close it. */
function upgradePanel(wsId: string, install: Install, upgrade: Upgrade, close: () => void): HTMLElement {
  const base = `upgrade-${install.id}`;
  const consentNeeded = needsConsent(upgrade.permissionDiff);
  const consent = h('input', { id: `${base}-consent`, type: 'checkbox', name: 'consent' });
  const confirm = h('button', { type: 'submit' }, t('upgrade.confirm', { version: upgrade.version }));
  const cancel = h('button', { type: 'button', class: 'secondary', onclick: close }, t('dev.cancel'));
  const problem = h('p', { class: 'field-error', id: `${base}-problem`, 'aria-live': 'polite' });
  const form = h(
    'form',
    {},
    consentNeeded ? h('div', { class: 'field check' }, consent, h('label', { for: consent.id }, t('upgrade.consent', { version: upgrade.version }))) : null,
    problem,
    h('div', { class: 'actions' }, confirm, cancel),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    replace(problem);
    if (consentNeeded && !consent.checked) {
      replace(problem, t('upgrade.consentFirst'));
      consent.focus();
      return;
    }
    void busy(confirm, async () => {
      // Consent names exactly the new version's permissions.
      const scopes = consentNeeded
        ? (await api.call('getAgentVersion', { params: { agentId: install.agentId, version: upgrade.version } })).manifest.permissions.map((p) => p.scope)
        : undefined;
      await api.call('upgradeInstall', { params: { wsId, installId: install.id }, body: { version: upgrade.version, ...(scopes ? { consent: scopes } : {}) } });
      navigate('/workspace', t('upgrade.done', { agent: install.agentId, version: upgrade.version }));
    }).catch(showError);
  });
  const titleId = `${base}-title`;
  const panel = h(
    'div',
    { class: 'confirm-panel', role: 'group', 'aria-labelledby': titleId, id: `${base}-panel` },
    h('h3', { id: titleId }, t('upgrade.title', { from: install.version, to: upgrade.version })),
    permissionDiff(upgrade.permissionDiff),
    form,
  );
  panel.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    close();
  });
  return panel;
}

function upgradeButton(wsId: string, install: Install, upgrade: Upgrade, slot: HTMLElement, quiet: boolean): HTMLButtonElement {
  const button = h('button', { type: 'button', class: quiet ? 'link' : '', 'aria-expanded': 'false', 'aria-controls': `upgrade-${install.id}-panel` }, t('upgrade.button', { version: upgrade.version }));
  const close = () => {
    replace(slot);
    button.setAttribute('aria-expanded', 'false');
    button.focus();
  };
  button.addEventListener('click', () => {
    if (button.getAttribute('aria-expanded') === 'true') return close();
    button.setAttribute('aria-expanded', 'true');
    replace(slot, upgradePanel(wsId, install, upgrade, close));
    slot.querySelector<HTMLElement>('input, button[type="submit"]')?.focus();
  });
  return button;
}

/** Fills `container` with the install's version notice (nothing when its version is current and fine). */
export async function versionStatus(container: HTMLElement, wsId: string, install: Install, canUpgrade: boolean, signal: AbortSignal): Promise<void> {
  let s: InstallVersionStatus;
  try {
    s = await api.call('getInstallVersionStatus', { params: { wsId, installId: install.id }, signal });
  } catch (err) {
    if (isAbort(err)) return;
    // Said where the notice would be; the install itself works without it.
    replace(container, h('p', { class: 'inline-error' }, t('upgrade.unavailable', { reason: describeError(err) })));
    return;
  }
  // Which version's status is shown (a notice may rightly be empty).
  container.dataset.version = s.version;
  const slot = h('div', { class: 'upgrade-slot' });
  const action = s.upgrade && canUpgrade ? upgradeButton(wsId, install, s.upgrade, slot, !s.yanked && !s.deprecated) : null;
  const askAdmin = s.upgrade && !canUpgrade ? h('span', { class: 'muted' }, ' ', t('upgrade.askAdmin')) : null;
  if (s.yanked) {
    replace(
      container,
      h(
        'div',
        { class: 'run-note version-warning', role: 'region', 'aria-label': t('upgrade.yankedLabel', { version: s.version }), 'data-version-status': 'yanked' },
        h('p', {}, h('strong', {}, t('upgrade.yanked', { version: s.version, when: formatDateTime(s.yanked.at) })), ' ', t('upgrade.reason', { reason: s.yanked.reason })),
        h('p', {}, t(s.upgrade ? 'upgrade.yankedMove' : 'upgrade.yankedNoUpgrade'), askAdmin),
        action ? h('div', { class: 'actions' }, action) : null,
        slot,
      ),
    );
  } else if (s.deprecated) {
    replace(
      container,
      h(
        'div',
        { class: 'run-note', 'data-version-status': 'deprecated' },
        h('p', {}, h('strong', {}, t('upgrade.deprecated', { version: s.version })), ' ', s.deprecated.message),
        s.upgrade ? h('p', {}, action ?? t('upgrade.available', { version: s.upgrade.version }), askAdmin) : null,
        slot,
      ),
    );
  } else if (s.upgrade) {
    replace(container, h('div', { class: 'update-available', 'data-version-status': 'update' }, h('p', { class: 'muted' }, t('upgrade.available', { version: s.upgrade.version }), ' ', action, askAdmin), slot));
  } else replace(container);
}
