/**
 * "Connect an account": the one form that creates a cloud connection, in the wizard's connect
 * step and in Settings. The workspace's identity comes first (what to grant, what the role must
 * trust), then the provider's fields. Obvious mistakes are caught here; the API judges the rest
 * and its problems are shown beside the fields they concern.
 */
import type { CloudIdentity, CloudProviderId, Connection, CreateConnection, GcpTarget } from '@agent-marketplace/client';
import { ApiError, api } from '../../api.ts';
import { t } from '../../i18n.ts';
import { showStatus } from '../../messages.ts';
import { field } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { fieldErrors } from '../developer/fieldErrors.ts';
import { showCloudError } from './cloudErrors.ts';
import { providerLabel } from './connectionLabels.ts';
import { identityPanel } from './identityPanel.ts';

/** The contract's AwsRegion (contract/src/cloud.ts): us-east-1, eu-west-3, us-gov-west-1. */
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const PROVIDERS: CloudProviderId[] = ['gcp', 'aws'];

export interface ConnectionFormOptions {
  wsId: string;
  identity: CloudIdentity;
  /** Prefix of the form's element ids, so two pages' forms never share one. */
  id: string;
  onCreated(connection: Connection): void;
}

const input = (id: string, name: string, extra: Record<string, string | number | boolean> = {}) =>
  h('input', { id, name, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', ...extra });

export function connectionForm(o: ConnectionFormOptions): HTMLFormElement {
  const id = (s: string) => `${o.id}-${s}`;
  const providers = PROVIDERS.map((p) => h('label', { class: 'choice' }, h('input', { type: 'radio', name: id('provider'), value: p, checked: p === 'gcp' }), providerLabel(p)));
  const identity = h('div', { class: 'identity-slot' });
  const kind = h('select', { id: id('target-kind'), name: 'targetKind' }, h('option', { value: 'project' }, t('cloud.form.project')), h('option', { value: 'organization' }, t('cloud.form.organization')));
  const targetId = input(id('target-id'), 'targetId', { maxlength: 30 });
  const billing = input(id('billing-table'), 'billingExportTable', { maxlength: 200 });
  const roleArn = input(id('role-arn'), 'roleArn', { maxlength: 200 });
  const externalId = input(id('external-id'), 'externalId', { maxlength: 1224, value: o.identity.aws.externalId });
  const regions = input(id('regions'), 'regions', { maxlength: 400, value: 'us-east-1' });
  const name = input(id('name'), 'name', { maxlength: 80, autocomplete: 'off' });
  const errors = fieldErrors({ target: targetId, billingExportTable: billing, roleArn, externalId, regions, name });
  const withError = (el: HTMLElement, control: HTMLInputElement) => (el.append(errors.slot(control)), el);
  const gcp = h(
    'div',
    { class: 'provider-fields' },
    field(kind, t('cloud.form.targetKind')),
    withError(field(targetId, t('cloud.form.targetId'), '', t('cloud.form.targetIdHint')), targetId),
    withError(field(billing, t('cloud.form.billingTable'), '', t('cloud.form.billingTableHint')), billing),
  );
  const aws = h(
    'div',
    { class: 'provider-fields', hidden: true },
    withError(field(roleArn, t('cloud.form.roleArn'), '', t('cloud.form.roleArnHint')), roleArn),
    withError(field(externalId, t('cloud.form.externalId'), '', t('cloud.form.externalIdHint')), externalId),
    withError(field(regions, t('cloud.form.regions'), '', t('cloud.form.regionsHint')), regions),
  );
  const submit = h('button', { type: 'submit' }, t('cloud.form.submit'));
  const form = h(
    'form',
    { class: 'connection-form', novalidate: true, autocomplete: 'off' },
    h('fieldset', {}, h('legend', {}, t('cloud.form.provider')), h('div', { class: 'choices' }, ...providers)),
    identity,
    gcp,
    aws,
    withError(field(name, t('cloud.form.name'), '', t('cloud.form.nameHint')), name),
    h('div', { class: 'actions' }, submit),
  );
  const provider = () => String(new FormData(form).get(id('provider')) ?? 'gcp') as CloudProviderId;
  const show = () => {
    const p = provider();
    gcp.hidden = p !== 'gcp';
    aws.hidden = p !== 'aws';
    errors.clear();
    replace(identity, identityPanel(p, o.identity, id(`identity-${p}`)));
  };
  for (const r of providers) r.querySelector('input')!.addEventListener('change', show);
  show();

  /** The request, or null after marking what is missing or malformed here. */
  const read = (): CreateConnection | null => {
    errors.clear();
    const problems: [HTMLInputElement, string][] = [];
    if (!name.value.trim()) problems.push([name, t('cloud.form.required')]);
    const p = provider();
    let body: CreateConnection | null = null;
    if (p === 'gcp') {
      if (!targetId.value.trim()) problems.push([targetId, t('cloud.form.required')]);
      const table = billing.value.trim();
      body = { provider: 'gcp', name: name.value.trim(), target: { kind: kind.value as GcpTarget['kind'], id: targetId.value.trim() }, ...(table ? { billingExportTable: table } : {}) };
    } else {
      if (!roleArn.value.trim()) problems.push([roleArn, t('cloud.form.required')]);
      if (!externalId.value.trim()) problems.push([externalId, t('cloud.form.required')]);
      const list = [...new Set(regions.value.split(/[\s,]+/).filter(Boolean))];
      const bad = list.filter((r) => !REGION.test(r));
      if (list.length === 0) problems.push([regions, t('cloud.form.required')]);
      else if (bad.length) problems.push([regions, t('cloud.form.badRegions', { regions: bad.join(', ') })]);
      else if (list.length > 30) problems.push([regions, t('cloud.form.tooManyRegions')]);
      body = { provider: 'aws', name: name.value.trim(), roleArn: roleArn.value.trim(), externalId: externalId.value.trim(), regions: list };
    }
    // Marked in the order they appear, the first one focused.
    const ordered = problems.sort(([a], [b]) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
    for (const [control, message] of ordered) errors.set(control, message);
    ordered[0]?.[0].focus();
    return ordered.length ? null : body;
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = read();
    if (!body) return;
    void busy(submit, async () => {
      const connection = await api.call('createConnection', { params: { wsId: o.wsId }, body });
      for (const control of [targetId, billing, roleArn, name]) control.value = '';
      showStatus(t('cloud.created', { name: connection.name }));
      o.onCreated(connection);
    }).catch((err: unknown) => {
      // Said in the page's words, with where the right one is.
      if (err instanceof ApiError && err.code === 'external_id_mismatch') {
        errors.set(externalId, t('cloud.form.externalIdMismatch'));
        externalId.focus();
        return;
      }
      if (errors.show(err)) return;
      if (err instanceof ApiError && err.code === 'connection_exists') {
        const control = body.provider === 'gcp' ? targetId : roleArn;
        errors.set(control, err.problem?.detail ?? err.message);
        control.focus();
        return;
      }
      showCloudError(err);
    });
  });
  return form;
}
