/** What a public review shows when the reviewer has no usable display name. */
export const NEUTRAL_AUTHOR = 'Verified user';

/**
 * The public name of a review's author: the user's display name, never anything derived from
 * their email (its local part is often a full name or a login). A display name that holds an
 * email address counts as none.
 */
export function publicAuthorName(displayName: string | null | undefined): string {
  const name = (displayName ?? '').replace(/\s+/g, ' ').trim();
  if (!name || name.includes('@')) return NEUTRAL_AUTHOR;
  return [...name].slice(0, 40).join('').trim();
}
