/**
 * Epoch milliseconds of a UTC timestamp in the canonical ISO-8601 shape `YYYY-MM-DDTHH:MM:SS[.fraction][Z]`
 * (what `toISOString()` and most producers write), computed from its digits; `undefined` for any
 * other shape, which the caller leaves to `Date.parse`. Parsing event times is a per-row cost of every
 * windowed query, and this is about 4× faster than `Date.parse`, with the same result for every
 * string it accepts (checked against `Date.parse` by a property test): fractions beyond milliseconds
 * are truncated, and a day past the month's end rolls over, as V8 does.
 */
export function parseIsoUtc(s: string): number | undefined {
  const n = s.length;
  if (
    n < 19 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 ||
    s.charCodeAt(13) !== 58 ||
    s.charCodeAt(16) !== 58
  )
    return undefined;
  const year = digits(s, 0, 4),
    month = digits(s, 5, 2),
    day = digits(s, 8, 2);
  const hour = digits(s, 11, 2),
    minute = digits(s, 14, 2),
    second = digits(s, 17, 2);
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  )
    return undefined;
  let i = 19,
    ms = 0;
  if (i < n && s.charCodeAt(i) === 46) {
    const start = ++i;
    while (i < n && isDigit(s.charCodeAt(i))) {
      if (i - start < 3) ms = ms * 10 + (s.charCodeAt(i) - 48);
      i++;
    }
    const count = i - start;
    if (count === 0 || count > 9) return undefined;
    if (count === 1) ms *= 100;
    else if (count === 2) ms *= 10;
  }
  if (i < n && s.charCodeAt(i) === 90) i++;
  if (i !== n) return undefined;
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** The number in `count` decimal digits at `at`, or -1 if any is not a digit. */
function digits(s: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
