/**
 * The one locale the app formats numbers and dates with, and hands to libraries (uPlot).
 *
 * Browsers pass on what the system says: Chromium on a Linux desktop under LANG=C.UTF-8
 * reports `navigator.language` as `en-US@posix`, and one under LANG=fr_FR.UTF-8 may report
 * `fr_FR.UTF-8`. Neither is a BCP 47 tag, and every Intl constructor throws a RangeError on
 * them. Such tags are repaired (`en-US`, `fr-FR`); what cannot be repaired (`C`, `POSIX`,
 * an empty string) is skipped, and with nothing usable left the app formats in English.
 *
 * Messages exist in English only (i18n.ts), so the app formats in the region of the first
 * preference whose language it has messages for (en-GB dates for en-GB, say), else in plain
 * English: a German preference does not put "Sek." and "Donnerstag" into English sentences.
 * Add the language here when its messages arrive.
 */
export const FALLBACK_LOCALE = 'en';
const MESSAGE_LANGUAGES: readonly string[] = ['en'];

/** `tag` as a canonical BCP 47 tag, repairing POSIX forms (`ll_CC.charset@modifier`), or null if unusable. */
export function validLocale(tag: string | null | undefined): string | null {
  if (!tag) return null;
  const posix = tag.replace(/[.@].*$/, '').replaceAll('_', '-');
  for (const candidate of [tag, posix]) {
    // `C` fails the syntax check anyway; `POSIX` passes it (a five-letter language) but means "no locale".
    if (!candidate || /^(c|posix)$/i.test(candidate)) continue;
    try {
      const [canonical] = Intl.getCanonicalLocales(candidate);
      if (!canonical) continue;
      new Intl.DateTimeFormat(canonical); // what the app will build with it
      return canonical;
    } catch {
      // not a valid tag: try the repaired form, then the next preference
    }
  }
  return null;
}

/** The locale to format with for the browser's preferences, in order. */
export function formatLocaleFor(preferences: readonly (string | null | undefined)[]): string {
  for (const tag of preferences) {
    const valid = validLocale(tag);
    if (valid && MESSAGE_LANGUAGES.includes(new Intl.Locale(valid).language)) return valid;
  }
  return FALLBACK_LOCALE;
}

function usableAsIs(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

const browserPreferences = (): string[] =>
  typeof navigator === 'undefined' ? [] : [...(Array.isArray(navigator.languages) ? navigator.languages : []), navigator.language];

/** The app's formatting locale, chosen once at start. */
export const formatLocale: string = formatLocaleFor(browserPreferences());

/**
 * Libraries that read `navigator.language` themselves (uPlot builds an Intl.NumberFormat with it
 * as soon as it is imported) throw on an invalid tag. Where the browser reports one, this makes
 * `navigator.language` and `navigator.languages` report the repaired tags instead (or the
 * formatting locale when none can be repaired). It changes nothing where the browser's tags are
 * valid. Call it before loading such a library.
 */
export function repairNavigatorLocale(): void {
  if (typeof navigator === 'undefined') return;
  const reported = browserPreferences();
  if (reported.every(usableAsIs)) return;
  const languages = [...new Set(reported.map(validLocale).filter((tag): tag is string => tag !== null))];
  if (languages.length === 0) languages.push(formatLocale);
  const language = validLocale(navigator.language) ?? languages[0]!;
  Object.defineProperty(navigator, 'language', { value: language, configurable: true });
  Object.defineProperty(navigator, 'languages', { value: Object.freeze(languages), configurable: true });
}
