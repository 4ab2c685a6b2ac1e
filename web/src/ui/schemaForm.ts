/**
 * A form generated from a JSON Schema (an agent's `config` or `inputs`): one labelled control
 * per property (its `title`, else its name in words), nested objects as fieldsets,
 * descriptions as hints tied to their controls by aria-describedby, defaults filled in, and
 * errors shown beside the field they concern, from checks here and from the API's problem
 * `errors` (paths such as `body.config.policy.required`).
 *
 * Strings (enums as selects), numbers, integers and booleans get their own controls; lists
 * of plain values are one per line; anything else (maps, lists of objects) is edited as JSON.
 */
import { ApiError } from '../api.ts';
import { t, tn } from '../i18n.ts';
import { showError, showErrorText } from '../messages.ts';
import { busy, h, replace } from './dom.ts';
import { fieldLabel } from './fieldLabel.ts';

type Schema = Record<string, unknown>;
export interface FieldIssue {
  path: string;
  message: string;
}

interface FieldHandle {
  path: string;
  control: HTMLElement;
  error: HTMLElement;
  /** The value, `undefined` when left empty, or an issue. */
  read(): { value?: unknown; issue?: string };
}

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const typeOf = (s: Schema): string | undefined => (Array.isArray(s.type) ? (s.type as string[]).find((x) => x !== 'null') : (s.type as string | undefined));
/** The schema's `title`, else the property name in words ("cpuThresholdPercent": "CPU threshold percent"). */
const labelOf = (key: string, s: Schema) => (typeof s.title === 'string' && s.title.trim() ? s.title.trim() : fieldLabel(key));
const idFor = (prefix: string, path: string) => `${prefix}-${path.replace(/[^A-Za-z0-9_-]/g, '_')}`;
const isPlainList = (s: Schema) => typeOf(s) === 'array' && isObject(s.items) && ['string', 'number', 'integer'].includes(typeOf(s.items) ?? '');

function numberIssue(n: number, s: Schema, integer: boolean): string | undefined {
  if (!Number.isFinite(n)) return t('form.notNumber');
  if (integer && !Number.isInteger(n)) return t('form.notInteger');
  if (typeof s.minimum === 'number' && n < s.minimum) return t('form.min', { n: s.minimum });
  if (typeof s.maximum === 'number' && n > s.maximum) return t('form.max', { n: s.maximum });
  return undefined;
}

function stringIssue(v: string, s: Schema): string | undefined {
  if (typeof s.minLength === 'number' && v.length < s.minLength) return t('form.minLength', { n: s.minLength });
  if (typeof s.maxLength === 'number' && v.length > s.maxLength) return t('form.maxLength', { n: s.maxLength });
  if (typeof s.pattern === 'string') {
    try {
      if (!new RegExp(s.pattern, 'u').test(v)) return t('form.pattern', { pattern: s.pattern });
    } catch {
      // a pattern this browser cannot compile: the API checks it
    }
  }
  if (s.format === 'regex') {
    try {
      new RegExp(v, 'u');
    } catch {
      return t('form.regex');
    }
  }
  return undefined;
}

export interface SchemaForm {
  el: HTMLElement;
  /** The value, or the issues that stop it (also shown at their fields). */
  read(): { value: Record<string, unknown>; issues: FieldIssue[] };
  /** Shows issues at their fields (paths relative to the form's value, dot-separated); returns those without a field. */
  showIssues(issues: FieldIssue[]): FieldIssue[];
  clearIssues(): void;
}

/**
 * Submits a schema form: problems found in the browser stop it with one message; the API's
 * field errors (at `body.<field>.<path>`) are shown at their fields as well as in the message.
 */
export function onSchemaSubmit(
  formEl: HTMLFormElement,
  form: SchemaForm,
  button: HTMLButtonElement,
  field: string,
  send: (value: Record<string, unknown>) => Promise<void>,
): void {
  formEl.addEventListener('submit', (event) => {
    event.preventDefault();
    const { value, issues } = form.read();
    if (issues.length) {
      showErrorText(tn('form.fix', issues.length));
      return;
    }
    void busy(button, () => send(value)).catch((err: unknown) => {
      showError(err);
      if (err instanceof ApiError && err.problem?.errors) form.showIssues(err.problem.errors.map((e) => ({ path: fieldPath(field, e.path), message: e.message })));
    });
  });
}

/** The API reports a form's problems at `body.<field>.<path>` (or `<field>.<path>` in readiness). */
export const fieldPath = (field: string, path: string) => path.replace(new RegExp(`^(body\\.)?${field}\\.?`), '');

export function schemaForm(schema: Schema, initial: Record<string, unknown>, idPrefix: string): SchemaForm {
  const fields: FieldHandle[] = [];

  function control(key: string, path: string, s: Schema, value: unknown, required: boolean): HTMLElement {
    const id = idFor(idPrefix, path);
    const errorId = `${id}-error`;
    const hintId = `${id}-hint`;
    const error = h('p', { class: 'field-error', id: errorId });
    const hint = typeof s.description === 'string' ? h('p', { class: 'hint', id: hintId }, s.description) : null;
    const describedBy = [hint ? hintId : null, errorId].filter(Boolean).join(' ');
    const label = () => h('label', { for: id }, labelOf(key, s), required ? h('span', { class: 'required' }, ` ${t('form.required')}`) : null);
    const type = typeOf(s);
    const present = value !== undefined;

    if (type === 'object' && isObject(s.properties)) {
      const req = Array.isArray(s.required) ? (s.required as string[]) : [];
      const inner = isObject(value) ? value : {};
      return h(
        'fieldset',
        { class: 'schema-object' },
        h('legend', {}, labelOf(key, s)),
        hint,
        ...Object.entries(s.properties as Record<string, Schema>).map(([k, sub]) => control(k, `${path}.${k}`, sub, inner[k] ?? sub.default, req.includes(k))),
      );
    }

    if (type === 'boolean') {
      const input = h('input', { id, type: 'checkbox', name: path, checked: value === true, 'aria-describedby': describedBy });
      fields.push({ path, control: input, error, read: () => ({ value: input.checked }) });
      return h('div', { class: 'field check' }, input, label(), hint, error);
    }

    if (Array.isArray(s.enum) && (type === 'string' || type === undefined)) {
      const input = h(
        'select',
        { id, name: path, 'aria-describedby': describedBy },
        required ? null : h('option', { value: '' }, t('form.none')),
        ...(s.enum as unknown[]).map((v) => h('option', { value: String(v), selected: present && String(value) === String(v) }, String(v))),
      );
      fields.push({
        path,
        control: input,
        error,
        read: () => (input.value === '' ? (required ? { issue: t('form.missing') } : {}) : { value: (s.enum as unknown[]).find((v) => String(v) === input.value) }),
      });
      return h('div', { class: 'field' }, label(), input, hint, error);
    }

    if (type === 'string' || type === 'number' || type === 'integer') {
      const numeric = type !== 'string';
      const input = h('input', {
        id,
        name: path,
        type: numeric ? 'number' : 'text',
        step: type === 'integer' ? 1 : numeric ? 'any' : null,
        min: typeof s.minimum === 'number' ? s.minimum : null,
        max: typeof s.maximum === 'number' ? s.maximum : null,
        autocomplete: 'off',
        'aria-describedby': describedBy,
        'aria-required': required ? 'true' : null,
      });
      input.value = present && value !== null ? String(value) : '';
      fields.push({
        path,
        control: input,
        error,
        read: () => {
          const raw = input.value.trim();
          if (raw === '') return required ? { issue: t('form.missing') } : {};
          if (!numeric) {
            const issue = stringIssue(input.value, s);
            return issue ? { issue } : { value: input.value };
          }
          const n = Number(raw);
          const issue = numberIssue(n, s, type === 'integer');
          return issue ? { issue } : { value: n };
        },
      });
      return h('div', { class: 'field' }, label(), input, hint, error);
    }

    if (isPlainList(s)) {
      const items = s.items as Schema;
      const numeric = typeOf(items) !== 'string';
      const input = h('textarea', { id, name: path, rows: 3, 'aria-describedby': describedBy, 'aria-required': required ? 'true' : null });
      input.value = Array.isArray(value) ? value.map(String).join('\n') : '';
      const listHint = h('p', { class: 'hint' }, t('form.onePerLine'));
      fields.push({
        path,
        control: input,
        error,
        read: () => {
          const lines = input.value.split('\n').map((l) => l.trim()).filter(Boolean);
          if (lines.length === 0 && !required && !present) return {};
          const out: unknown[] = [];
          for (const line of lines) {
            const issue = numeric ? numberIssue(Number(line), items, typeOf(items) === 'integer') : stringIssue(line, items);
            if (issue) return { issue: `${line}: ${issue}` };
            out.push(numeric ? Number(line) : line);
          }
          if (typeof s.minItems === 'number' && out.length < s.minItems) return { issue: t('form.minItems', { n: s.minItems }) };
          if (typeof s.maxItems === 'number' && out.length > s.maxItems) return { issue: t('form.maxItems', { n: s.maxItems }) };
          if (s.uniqueItems === true && new Set(out.map(String)).size !== out.length) return { issue: t('form.unique') };
          return { value: out };
        },
      });
      return h('div', { class: 'field' }, label(), input, listHint, hint, error);
    }

    // Anything else is edited as JSON.
    const input = h('textarea', { id, name: path, rows: 4, class: 'code', spellcheck: 'false', 'aria-describedby': describedBy });
    input.value = present ? JSON.stringify(value, null, 2) : '';
    fields.push({
      path,
      control: input,
      error,
      read: () => {
        if (input.value.trim() === '') return required ? { issue: t('form.missing') } : {};
        try {
          return { value: JSON.parse(input.value) as unknown };
        } catch {
          return { issue: t('form.json') };
        }
      },
    });
    return h('div', { class: 'field' }, label(), input, h('p', { class: 'hint' }, t('form.jsonHint')), hint, error);
  }

  const props = isObject(schema.properties) ? (schema.properties as Record<string, Schema>) : {};
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const el = h(
    'div',
    { class: 'schema-form' },
    ...(Object.keys(props).length
      ? Object.entries(props).map(([k, s]) => control(k, k, s, initial[k] ?? s.default, required.includes(k)))
      : [h('p', { class: 'muted' }, t('form.nothing'))]),
  );

  function setIssue(f: FieldHandle, message: string | undefined): void {
    replace(f.error, message ?? '');
    if (message) f.control.setAttribute('aria-invalid', 'true');
    else f.control.removeAttribute('aria-invalid');
  }

  const form: SchemaForm = {
    el,
    read() {
      const value: Record<string, unknown> = {};
      const issues: FieldIssue[] = [];
      for (const f of fields) {
        const r = f.read();
        setIssue(f, r.issue);
        if (r.issue) issues.push({ path: f.path, message: r.issue });
        else if (r.value !== undefined) {
          const keys = f.path.split('.');
          let at = value;
          for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
          at[keys.at(-1)!] = r.value;
        }
      }
      const first = issues[0];
      if (first) fields.find((f) => f.path === first.path)?.control.focus();
      return { value, issues };
    },
    showIssues(issues) {
      const unplaced: FieldIssue[] = [];
      for (const issue of issues) {
        // The deepest field whose path the issue's path starts with (a missing nested key names its parent's field).
        const f = fields.filter((x) => issue.path === x.path || issue.path.startsWith(`${x.path}.`)).sort((a, b) => b.path.length - a.path.length)[0];
        if (f) setIssue(f, issue.message);
        else unplaced.push(issue);
      }
      fields.find((f) => f.control.getAttribute('aria-invalid') === 'true')?.control.focus();
      return unplaced;
    },
    clearIssues() {
      for (const f of fields) setIssue(f, undefined);
    },
  };
  return form;
}
