/**
 * Field errors from the API's problem+json beside the inputs they concern: each problem's
 * `path` (`body.id`, `body.email`) names a field; what names none is shown for the form.
 */
import { ApiError } from '../../api.ts';
import { h, replace } from '../../ui/dom.ts';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

export interface FieldErrors {
  /** The error slot to place under a control (its id is added to the control's aria-describedby). */
  slot(control: Control): HTMLElement;
  /** Shows `err`'s field problems beside their controls; true if any was placed. Focuses the first. */
  show(err: unknown): boolean;
  /** Puts a message beside one control. */
  set(control: Control, message: string): void;
  clear(): void;
}

/** `controls` by the body field each stands for (`id`, `name`, `email`). */
export function fieldErrors(controls: Record<string, Control>): FieldErrors {
  const slots = new Map<Control, HTMLElement>();
  const slot = (control: Control) => {
    const el = h('p', { class: 'field-error', id: `${control.id}-error` });
    control.setAttribute('aria-describedby', [control.getAttribute('aria-describedby'), el.id].filter(Boolean).join(' '));
    slots.set(control, el);
    return el;
  };
  const set = (control: Control, message: string) => {
    control.setAttribute('aria-invalid', 'true');
    replace(slots.get(control)!, message);
  };
  const clear = () => {
    for (const [control, el] of slots) {
      control.removeAttribute('aria-invalid');
      replace(el);
    }
  };
  const show = (err: unknown) => {
    if (!(err instanceof ApiError) || !err.problem?.errors?.length) return false;
    let first: Control | undefined;
    for (const e of err.problem.errors) {
      const control = controls[e.path.replace(/^body\./, '').split('.')[0] ?? ''];
      if (!control || !slots.has(control)) continue;
      set(control, e.message);
      first ??= control;
    }
    first?.focus();
    return first !== undefined;
  };
  return { slot, show, set, clear };
}
