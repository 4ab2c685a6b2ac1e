/**
 * A "Copy" button for a command or an identifier. When the browser refuses the clipboard
 * (no permission, an embedded frame), the text is selected instead and the status says to
 * press the copy keys, so the person is never left without a way to take it.
 */
import { t } from '../../i18n.ts';
import { showStatus } from '../../messages.ts';
import { h } from '../../ui/dom.ts';

/** `source` holds the text; `what` completes the button's accessible name ("Copy the service account"). */
export function copyButton(source: HTMLElement, what: string): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'secondary copy' }, t('cloud.copy'), h('span', { class: 'visually-hidden' }, ` ${what}`));
  button.addEventListener('click', () => {
    const text = source.textContent ?? '';
    const select = () => {
      getSelection()?.selectAllChildren(source);
      showStatus(t('cloud.copySelected', { what }));
    };
    if (!navigator.clipboard) return select();
    navigator.clipboard.writeText(text).then(() => showStatus(t('cloud.copied', { what })), select);
  });
  return button;
}

/** A value on its own line with its Copy button. */
export function copyable(value: string, what: string, id: string): HTMLElement {
  const code = h('code', { class: 'secret', id }, value);
  return h('div', { class: 'copyable' }, code, copyButton(code, what));
}
