/**
 * Saves bytes the API answered (an invoice's PDF or CSV, fetched with the user's token through
 * the typed client) as a file: a Blob, an object URL, a temporary `<a download>` clicked once.
 * The URL is revoked after the browser has taken the download.
 */
import { h } from './dom.ts';

/** How long the object URL lives after the click (the download reads it asynchronously). */
const REVOKE_AFTER_MS = 10_000;

/** A file name of letters, digits, dots, dashes and underscores (as the API's Content-Disposition names it). */
export const safeFileName = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, '_');

export function saveBytes(bytes: Uint8Array, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes.slice()], { type }));
  const link = h('a', { href: url, download: safeFileName(fileName), hidden: true });
  document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
  }
}
