/**
 * How long the install's memories are kept, per level, in days after an item's last write.
 * Owners and admins type the days (whole days, at least one; the plan's maximum is the
 * server's to enforce, and its refusal is shown as it says it, beside the level and above the
 * form) and save them with PUT; "Reset to default" sends null for that level. Everyone else
 * reads what is in force.
 */
import { ApiError, api } from '../../api.ts';
import { formatDays, t } from '../../i18n.ts';
import { showError, showStatus } from '../../messages.ts';
import { details } from '../../ui/common.ts';
import { busy, h, replace } from '../../ui/dom.ts';
import { MEMORY_LEVELS, parseRetentionDays, retentionChanges, retentionProblemLevel, type MemoryLevel, type MemorySummary, type RetentionBody } from './memoryFigures.ts';

export interface RetentionContext {
  wsId: string;
  installId: string;
  canManage: boolean;
  /** Every summary the section's saves answer goes to the page (which draws it again). */
  onSummary(s: MemorySummary): void;
}

/** "Default: 90 days. Your plan allows up to 365 days." */
function hintText(s: MemorySummary, level: MemoryLevel): string {
  const overridden = s.retentionOverrides[level] !== undefined;
  const first = !overridden ? t('memory.retention.atDefault', { days: formatDays(s.retentionDays[level]) }) : t('memory.retention.overriddenDefault', { days: formatDays(s.defaultRetentionDays[level]) });
  return `${first} ${t('memory.retention.max', { days: formatDays(s.maxRetentionDays[level]) })}`;
}

const levelName = (level: MemoryLevel) => t(`memory.retention.level.${level}`);

interface LevelField {
  level: MemoryLevel;
  input: HTMLInputElement;
  setError(message: string): void;
}

export function retentionSection(container: HTMLElement, ctx: RetentionContext): { update(s: MemorySummary): void } {
  const { wsId, installId } = ctx;
  const params = { wsId, installId };
  const intro = h('p', { class: 'hint' }, t('memory.retention.intro'));

  if (!ctx.canManage) {
    const list = h('div');
    container.append(intro, list, h('p', { class: 'run-note' }, t('memory.retention.readOnly')));
    return {
      update(s) {
        replace(list, details(MEMORY_LEVELS.map((level) => [levelName(level), `${formatDays(s.retentionDays[level])}. ${hintText(s, level)}`])));
      },
    };
  }

  const problem = h('div', { class: 'form-problem', id: 'memory-retention-problem', role: 'alert', tabindex: -1 });
  const fieldsSlot = h('div', { class: 'retention-fields' });
  const save = h('button', { type: 'submit' }, t('memory.retention.save'));
  const form = h('form', { class: 'retention', novalidate: true, 'aria-describedby': problem.id }, fieldsSlot, problem, h('div', { class: 'actions' }, save));
  container.append(intro, form);
  let summary: MemorySummary | null = null;
  let fields: LevelField[] = [];

  const clearProblems = () => {
    replace(problem);
    for (const f of fields) f.setError('');
  };

  /** The server's refusal: its detail above the Save button, each field problem beside its level. */
  const showProblem = (err: ApiError) => {
    const issues = err.problem?.errors ?? [];
    const placed = new Set<string>();
    for (const issue of issues) {
      const level = retentionProblemLevel(issue.path);
      const f = fields.find((x) => x.level === level);
      if (f) {
        f.setError(issue.message);
        placed.add(issue.path);
      }
    }
    const lines = [err.problem?.detail ?? err.message, ...issues.filter((i) => !placed.has(i.path)).map((i) => `${i.path}: ${i.message}`)];
    replace(problem, h('p', {}, h('strong', {}, t('memory.retention.refused')), ' ', lines.join(' '), ' ', h('code', {}, err.code)));
    problem.focus();
  };

  /** A PUT; a 400 is shown in the form, anything else in the alert region. */
  const send = async (body: RetentionBody): Promise<MemorySummary | null> => {
    try {
      return await api.call('setInstallMemoryRetention', { params, body: { retentionDays: body } });
    } catch (err) {
      if (err instanceof ApiError && err.status === 400 && err.problem) {
        showProblem(err);
        return null;
      }
      throw err;
    }
  };

  const levelField = (s: MemorySummary, level: MemoryLevel): { el: HTMLElement; field: LevelField } => {
    const id = `memory-retention-${level}`;
    const overridden = s.retentionOverrides[level] !== undefined;
    const input = h('input', {
      id,
      name: level,
      type: 'number',
      inputmode: 'numeric',
      min: 1,
      max: s.maxRetentionDays[level],
      step: 1,
      value: s.retentionDays[level],
      class: 'days-input',
      'aria-describedby': `${id}-hint ${id}-error`,
    });
    const error = h('p', { class: 'field-error', id: `${id}-error` });
    const setError = (message: string) => {
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      replace(error, message);
    };
    input.addEventListener('input', () => setError(''));
    const reset = overridden ? h('button', { type: 'button', class: 'secondary', 'aria-describedby': `${id}-hint` }, t('memory.retention.reset', { level: levelName(level) })) : null;
    reset?.addEventListener('click', () => {
      clearProblems();
      void busy(reset, async () => {
        const next = await send({ [level]: null });
        if (!next) return;
        ctx.onSummary(next);
        showStatus(t('memory.retention.resetDone', { level: levelName(level), days: formatDays(next.retentionDays[level]) }));
        document.getElementById(id)?.focus();
      }).catch(showError);
    });
    const el = h(
      'div',
      { class: 'field retention-field', 'data-level': level },
      h('label', { for: id }, t('memory.retention.label', { level: levelName(level) })),
      h('div', { class: 'inline-controls' }, input, reset),
      h('p', { class: 'hint', id: `${id}-hint` }, hintText(s, level)),
      error,
    );
    return { el, field: { level, input, setError } };
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!summary) return;
    const current = summary;
    clearProblems();
    const typed: Partial<Record<MemoryLevel, number>> = {};
    let firstBad: HTMLInputElement | null = null;
    for (const f of fields) {
      const parsed = parseRetentionDays(f.input.value);
      if (parsed.ok) typed[f.level] = parsed.days;
      else {
        f.setError(t(`memory.retention.problem.${parsed.problem}`));
        firstBad ??= f.input;
      }
    }
    if (firstBad) {
      firstBad.focus();
      return;
    }
    const body = retentionChanges(current.retentionDays, typed);
    if (Object.keys(body).length === 0) {
      showStatus(t('memory.retention.unchanged'));
      return;
    }
    void busy(save, async () => {
      const next = await send(body);
      if (!next) return;
      ctx.onSummary(next);
      showStatus(t('memory.retention.saved'));
    }).catch(showError);
  });

  return {
    update(s) {
      summary = s;
      const built = MEMORY_LEVELS.map((level) => levelField(s, level));
      fields = built.map((b) => b.field);
      replace(fieldsSlot, ...built.map((b) => b.el));
    },
  };
}
