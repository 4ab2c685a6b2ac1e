/**
 * A spend cap typed as dollars and cents ("12", "12.5", "1,250.00"), read as integer cents by
 * parsing the digits, never through a float: "0.29" is 29 cents, not 28.999…
 */

/** The API's largest cap (contract SpendCapIn): $1,000,000.00. */
export const MAX_CAP_MINOR = 100_000_000;

export type CapParse = { ok: true; amountMinor: number | null } | { ok: false; problem: 'negative' | 'decimals' | 'format' | 'tooLarge' };

/** Empty means no cap; otherwise a non-negative amount with at most two decimals. */
export function parseCapAmount(text: string): CapParse {
  const s = text.trim().replace(/^\$\s*/, '');
  if (s === '') return { ok: true, amountMinor: null };
  if (/^-/.test(s)) return { ok: false, problem: 'negative' };
  // Digits, optionally grouped by commas in threes, then an optional fraction.
  const m = /^(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d*))?$/.exec(s);
  if (!m || (m[1] === undefined && !m[2])) return { ok: false, problem: 'format' };
  const whole = (m[1] ?? '0').replaceAll(',', '').replace(/^0+(?=\d)/, '');
  const fraction = m[2] ?? '';
  if (fraction.length > 2) return { ok: false, problem: 'decimals' };
  // More whole digits than the largest cap has cannot be in range (and would lose precision).
  if (whole.length > 7) return { ok: false, problem: 'tooLarge' };
  const amountMinor = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  if (amountMinor > MAX_CAP_MINOR) return { ok: false, problem: 'tooLarge' };
  return { ok: true, amountMinor };
}

/** Integer cents as the input shows them: 1250 → "12.50", null → "" (no cap). */
export function capInputValue(amountMinor: number | null): string {
  if (amountMinor === null) return '';
  return `${Math.floor(amountMinor / 100)}.${String(amountMinor % 100).padStart(2, '0')}`;
}
