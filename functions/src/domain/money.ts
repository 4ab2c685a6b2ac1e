import type { Currency, Money } from '@agent-marketplace/contract/billing';

/**
 * Money as integer minor units with a currency: sums, products and shares are computed on
 * integers (BigInt where a product could pass 2^53), rounded once, half up. Never a float.
 */
export type { Money };

export const money = (amountMinor: number, currency: Currency = 'usd'): Money => {
  if (!Number.isSafeInteger(amountMinor)) throw new RangeError(`money must be a whole number of minor units, not ${amountMinor}`);
  return { amountMinor, currency };
};

export const zero = (currency: Currency = 'usd') => money(0, currency);

export function add(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new RangeError(`cannot add ${a.currency} to ${b.currency}`);
  return money(a.amountMinor + b.amountMinor, a.currency);
}

export const sum = (items: readonly Money[], currency: Currency = 'usd') => items.reduce(add, zero(currency));

/** round(value × numerator / denominator), half up, on integers (all three non-negative). */
export function mulDiv(value: number, numerator: number, denominator: number): number {
  if (![value, numerator, denominator].every((n) => Number.isSafeInteger(n) && n >= 0) || denominator === 0) {
    throw new RangeError(`mulDiv needs non-negative whole numbers and a denominator above 0 (${value} × ${numerator} / ${denominator})`);
  }
  const p = BigInt(value) * BigInt(numerator);
  const d = BigInt(denominator);
  return Number((p * 2n + d) / (2n * d));
}

/** The price of `quantity` thousandths of a unit at `unitMinor` per unit. */
export const priceOfMilli = (unitMinor: number, milliUnits: number, currency: Currency = 'usd') => money(mulDiv(unitMinor, milliUnits, 1000), currency);

/**
 * `total` split by a share in basis points (8000 = 80 %): the share rounded half up, the rest
 * to the other side, so the two always add up to the total exactly.
 */
export function splitBps(total: Money, shareBps: number): { share: Money; rest: Money } {
  if (!Number.isInteger(shareBps) || shareBps < 0 || shareBps > 10_000) throw new RangeError(`a share is 0 to 10000 basis points, not ${shareBps}`);
  const negative = total.amountMinor < 0;
  const share = mulDiv(Math.abs(total.amountMinor), shareBps, 10_000) * (negative ? -1 : 1);
  return { share: money(share, total.currency), rest: money(total.amountMinor - share, total.currency) };
}
