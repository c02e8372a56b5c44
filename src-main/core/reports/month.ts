/** A calendar month in local time ("2026-11"), as reports are asked for. */
export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;

export interface MonthRange {
  month: string;
  /** The first instant of the month and of the next one, local time. */
  from: Date;
  to: Date;
}

export function monthRange(month: string): MonthRange {
  if (!MONTH_PATTERN.test(month)) throw new RangeError(`A month is YYYY-MM, got ${JSON.stringify(month)}.`);
  const [year, index] = month.split('-').map(Number) as [number, number];
  return { month, from: new Date(year, index - 1, 1), to: new Date(year, index, 1) };
}

export function inMonth(range: MonthRange, iso: string): boolean {
  const time = Date.parse(iso);
  return time >= range.from.getTime() && time < range.to.getTime();
}

/** The month an instant falls in, local time. */
export function monthOf(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}`;
}
