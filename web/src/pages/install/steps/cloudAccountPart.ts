/**
 * Step 3's first part, the cloud account the install acts on: the sandbox (sample resources),
 * one of the workspace's connections, or a new one connected here (owners and admins). With a
 * connection chosen, its least-privilege grant for this agent and a "Test connection" that asks
 * the provider whether the grant is in place. Continue saves the choice.
 */
import type { CloudGrant, Connection } from '@agent-marketplace/client';
import { api } from '../../../api.ts';
import { t } from '../../../i18n.ts';
import { showErrorText } from '../../../messages.ts';
import { loading } from '../../../ui/common.ts';
import { busy, h, replace } from '../../../ui/dom.ts';
import { showCloudError } from '../../cloud/cloudErrors.ts';
import { connectionForm } from '../../cloud/connectionForm.ts';
import { connectionLabel } from '../../cloud/connectionLabels.ts';
import { grantView } from '../../cloud/grantView.ts';
import { verificationView } from '../../cloud/verificationView.ts';
import type { StepContext } from '../wizardContext.ts';

export interface CloudAccountPart {
  el: HTMLElement;
  /** Saves the choice on the install; false (having said why) when there is nothing to save yet. */
  save(): Promise<boolean>;
}

const SANDBOX = 'sandbox';
const NEW = 'new';

export async function cloudAccountPart(ctx: StepContext): Promise<CloudAccountPart> {
  const params = { wsId: ctx.wsId };
  const [list, identity, ws] = await Promise.all([
    api.call('listConnections', { params, signal: ctx.signal }),
    api.call('getCloudIdentity', { params, signal: ctx.signal }),
    api.call('getWorkspace', { params, signal: ctx.signal }),
  ]);
  // Connecting an account is for owners and admins (the API's workspace.manage).
  const canConnect = ws.role === 'owner' || ws.role === 'admin';
  const connections = new Map(list.items.map((c) => [c.id, c]));
  const initial = ctx.install.connection && connections.has(ctx.install.connection.id) ? ctx.install.connection.id : SANDBOX;
  // What "Test connection" checks: the scopes consented to, or (before consent) all the manifest's.
  const scopes = ctx.install.consent?.scopes ?? ctx.version.manifest.permissions.map((p) => p.scope);

  const option = (value: string, label: string) =>
    h('label', { class: 'choice' }, h('input', { type: 'radio', name: 'cloud-account', value, checked: value === initial }), label);
  const choices = h(
    'div',
    { class: 'choices cloud-choices' },
    option(SANDBOX, t('wizard.cloud.sandbox')),
    ...[...connections.values()].map((c) => option(c.id, connectionLabel(c))),
    canConnect ? option(NEW, t('wizard.cloud.new')) : null,
  );
  const newPanel = h('div', { class: 'connect-new', hidden: true });
  const grantPanel = h('div', { class: 'cloud-grant-panel', role: 'group', hidden: true });
  const selected = () => choices.querySelector<HTMLInputElement>('input:checked')?.value ?? SANDBOX;

  // The grant names the chosen connection (a GCP grant its project or organisation), asked for
  // by id whether or not the install acts on it yet; answers are kept per connection.
  const grants = new Map<string, Promise<CloudGrant>>();
  const grantOf = (c: Connection) => {
    let grant = grants.get(c.id);
    if (!grant) {
      grant = api.call('getInstallCloudGrant', { params: { wsId: ctx.wsId, installId: ctx.install.id }, query: { connectionId: c.id }, signal: ctx.signal });
      grant.catch(() => grants.delete(c.id));
      grants.set(c.id, grant);
    }
    return grant;
  };
  const setConnection = async (connectionId: string | null) => {
    if ((ctx.install.connection?.id ?? null) === connectionId) return;
    ctx.install = await api.call('setInstallConnection', { params: { wsId: ctx.wsId, installId: ctx.install.id }, body: { connectionId } });
  };

  /** The grant and the test of `c`; a later choice wins over a slower earlier one. */
  let shown = 0;
  const showGrant = async (c: Connection) => {
    const mine = ++shown;
    const titleId = 'wizard-grant-title';
    const heading = h('h4', { id: titleId }, t('wizard.cloud.grantTitle', { name: connectionLabel(c) }));
    grantPanel.hidden = false;
    grantPanel.setAttribute('aria-labelledby', titleId);
    replace(grantPanel, heading, loading());
    // A draft takes the choice at once (nothing runs on it yet). A deployed install keeps acting
    // where it does until Continue; the grant shown is the chosen connection's either way.
    if (ctx.install.state === 'draft') await setConnection(c.id);
    if (mine !== shown) return;
    const grant = await grantOf(c);
    if (mine !== shown) return;
    const result = h('div', { class: 'test-result', 'aria-live': 'polite', id: 'wizard-test-result' });
    const test = h('button', { type: 'button', class: 'secondary', 'aria-describedby': titleId }, t('cloud.test.button'));
    test.addEventListener('click', () => {
      replace(result);
      void busy(test, async () => {
        const v = await api.call('testConnection', { params: { wsId: ctx.wsId, connectionId: c.id }, body: { scopes } });
        const permissions = new Set(grant.scopes.filter((s) => scopes.includes(s.scope)).flatMap((s) => s.permissions)).size;
        replace(result, verificationView(v, permissions));
      }).catch(showCloudError);
    });
    replace(
      grantPanel,
      heading,
      grantView(grant, 'wizard-grant'),
      h('p', { class: 'hint' }, t('wizard.cloud.testHint')),
      h('div', { class: 'actions' }, test),
      result,
    );
  };

  const update = () => {
    const value = selected();
    newPanel.hidden = value !== NEW;
    const c = connections.get(value);
    if (!c) {
      shown++;
      grantPanel.hidden = true;
      replace(grantPanel);
      return;
    }
    showGrant(c).catch(showCloudError);
  };
  choices.addEventListener('change', update);

  if (canConnect) {
    newPanel.append(
      h('h4', { id: 'wizard-new-title' }, t('wizard.cloud.newTitle')),
      connectionForm({
        wsId: ctx.wsId,
        identity,
        id: 'wizard-connect',
        onCreated: (c) => {
          connections.set(c.id, c);
          const added = option(c.id, connectionLabel(c));
          choices.insertBefore(added, choices.lastElementChild);
          const radio = added.querySelector('input')!;
          radio.checked = true;
          update();
          radio.focus();
        },
      }),
    );
    newPanel.setAttribute('aria-labelledby', 'wizard-new-title');
    newPanel.setAttribute('role', 'group');
  }

  const el = h(
    'div',
    { class: 'cloud-account' },
    h('p', {}, t('wizard.cloud.intro')),
    h('fieldset', {}, h('legend', {}, t('wizard.cloud.legend')), choices),
    canConnect ? null : h('p', { class: 'hint' }, t('wizard.cloud.askAdmin')),
    newPanel,
    grantPanel,
  );
  update();

  return {
    el,
    async save() {
      const value = selected();
      if (value === NEW) {
        showErrorText(t('wizard.cloud.finishNew'));
        newPanel.querySelector<HTMLElement>('input:not([type="radio"])')?.focus();
        return false;
      }
      // Always sent, even unchanged: it also records the step as done.
      const connectionId = value === SANDBOX ? null : value;
      ctx.install = await api.call('setInstallConnection', { params: { wsId: ctx.wsId, installId: ctx.install.id }, body: { connectionId } });
      return true;
    },
  };
}
