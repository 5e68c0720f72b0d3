/**
 * The price of a stay from a listing's rates, as the portal's `booking/calculate` prices it (its
 * checkout page sends the result to `booking/confirm`): the cheapest of nights × daily rate,
 * weeks × weekly rate + remaining nights, months (30 nights) × monthly rate + remaining nights, and
 * — for a listing with neither a daily nor a weekly rate — the monthly rate pro rata. Remaining
 * nights cost the daily rate, else a thirtieth of the monthly rate. The service fee is 5 % of the
 * subtotal after any discount; the total is their sum. Amounts in BRL, rounded to cents.
 *
 * Unlike the portal, `booking/confirm` checks the client's figures against this, and a scenario
 * whose rate is missing is skipped instead of pricing it at zero. Pure: the e2e client imports it.
 */

/** The rates of a listing, as numbers (null when unset). */
export interface Rates {
  dailyRate: number | null;
  weeklyRate: number | null;
  monthlyRate: number | null;
}

/** A priced stay. */
export interface Quote {
  /** Before discount. */
  subtotal: number;
  discount: number;
  fees: number;
  total: number;
}

/** The service fee, a fraction of the discounted subtotal. */
export const FEE_RATE = 0.05;

const cents = (n: number) => Math.round(n * 100) / 100;
const positive = (n: number | null): n is number => n !== null && Number.isFinite(n) && n > 0;

/** The subtotal of `nights` at `rates`; null when the listing has no usable rate. */
export function subtotalOf(rates: Rates, nights: number): number | null {
  const { dailyRate: day, weeklyRate: week, monthlyRate: month } = rates;
  const perNight = positive(day) ? day : positive(month) ? month / 30 : null;
  const options: number[] = [];
  if (positive(day)) options.push(day * nights);
  if (positive(week) && nights >= 7 && perNight !== null) options.push(week * Math.floor(nights / 7) + perNight * (nights % 7));
  if (positive(week) && nights >= 7 && nights % 7 === 0) options.push(week * (nights / 7));
  if (positive(month) && nights >= 30) options.push(month * Math.floor(nights / 30) + (month / 30) * (nights % 30));
  if (!positive(day) && !positive(week) && positive(month)) options.push((month / 30) * nights);
  return options.length ? cents(Math.min(...options)) : null;
}

/** A discount as the portal's promo tables define it. */
export interface Discount {
  type: 'percent' | 'fixed';
  value: number;
}

/** The discount on `subtotal`: a percentage or a fixed amount, capped at the subtotal, in cents. */
export function discountOf(subtotal: number, d: Discount | null): number {
  if (!d || !(d.value > 0)) return 0;
  const raw = d.type === 'percent' ? (subtotal * d.value) / 100 : d.value;
  return cents(Math.min(raw, subtotal));
}

/** Prices `nights` at `rates` with an optional discount; null when the listing has no rate. */
export function quote(rates: Rates, nights: number, discount: Discount | null = null): Quote | null {
  const subtotal = subtotalOf(rates, nights);
  if (subtotal === null) return null;
  const off = discountOf(subtotal, discount);
  const fees = cents((subtotal - off) * FEE_RATE);
  return { subtotal, discount: off, fees, total: cents(subtotal - off + fees) };
}

/** Nights of a stay as the portal counts them: the length rounded up to whole days. */
export const nightsOf = (checkIn: Date, checkOut: Date): number => Math.ceil((checkOut.getTime() - checkIn.getTime()) / 86_400_000);
