import { errors } from "../errors.js";

/** A duration: milliseconds as a number, or a Spark-style string such as `"10 seconds"` or `"1 minute"`. */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  msec: 1,
  msecs: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)\s*([a-z]+)/gy;

/**
 * Parses a duration to milliseconds. Accepts compound strings like Spark's interval syntax
 * (`"1 minute 30 seconds"`, optionally prefixed with `"interval"`). Throws a clear error naming `what`.
 */
export function parseDuration(input: Duration, what = "duration"): number {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw errors.badDuration(input, what);
    if (input < 0) throw errors.negativeDuration(input, what);
    return input;
  }
  if (typeof input !== "string") throw errors.badDuration(input, what);
  let text = input.trim().toLowerCase();
  if (text.startsWith("interval ")) text = text.slice("interval ".length).trim();
  if (text.startsWith("-")) throw errors.negativeDuration(input, what);
  if (text === "") throw errors.badDuration(input, what);
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    while (text[pos] === " ") pos++;
    if (pos >= text.length) break;
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (!m) throw errors.badDuration(input, what);
    const unit = UNIT_MS[m[2]!];
    if (unit === undefined) throw errors.badDuration(input, what);
    total += Number(m[1]) * unit;
    pos = PART.lastIndex;
  }
  return Math.round(total);
}

/** Like {@link parseDuration} but refuses zero, for window sizes, slides and gaps. */
export function parsePositiveDuration(input: Duration, what: string): number {
  const ms = parseDuration(input, what);
  if (ms <= 0) throw errors.nonPositiveDuration(input, what);
  return ms;
}

/** A duration that may be negative (`"-5 seconds"`, `-5000`): a join's time-range bound. */
export function parseSignedDuration(input: Duration, what = "duration"): number {
  if (typeof input === "number") return input < 0 ? -parseDuration(-input, what) : parseDuration(input, what);
  if (typeof input === "string" && input.trim().startsWith("-")) return -parseDuration(input.trim().slice(1), what);
  return parseDuration(input, what);
}
