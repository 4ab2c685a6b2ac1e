/**
 * Readable messages in the page's live regions (declared in index.html, always present and
 * empty when quiet, so screen readers announce what is put in them): errors in an alert
 * region, confirmations in a polite status region.
 */
import { FirebaseError } from 'firebase/app';
import { ApiError } from './api.ts';
import { h, replace } from './ui/dom.ts';
import { t, tOr } from './i18n.ts';

const region = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html lacks #${id}`);
  return el;
};

export const isAbort = (err: unknown): boolean => err instanceof DOMException && err.name === 'AbortError';

/** What to tell a person about `err`: never raw JSON, never a stack. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof FirebaseError) {
    const code = err.code.replace(/^(auth|firestore)\//, '');
    return tOr(`firebase.${code}`, t('error.firebase', { code }));
  }
  if (err instanceof Error && err.message) return t('error.unexpected', { message: err.message });
  return t('error.unknown');
}

export function showError(err: unknown): void {
  if (isAbort(err)) return;
  // The API's refusals are shown to the user and are not faults of the page; anything else is.
  if (!(err instanceof ApiError)) console.error(err);
  showErrorText(describeError(err));
}

export function showErrorText(text: string): void {
  replace(
    region('app-error'),
    h('p', {}, text),
    h('button', { type: 'button', class: 'link', onclick: () => clearMessages() }, t('messages.dismiss')),
  );
}

export function showStatus(text: string): void {
  const el = region('app-status');
  replace(el, h('p', {}, text));
}

export function clearMessages(): void {
  for (const id of ['app-error', 'app-status']) replace(region(id));
}
