import { errors } from "../errors.js";
import type { Duration } from "../util/duration.js";
import { parseDuration, parsePositiveDuration } from "../util/duration.js";
import { floorMod } from "../util/time.js";

/** `window(col, size, slide, startTime)`: a tumbling or sliding event-time window grouping key. */
export interface WindowSpec {
  readonly kind: "window";
  readonly column: string;
  readonly sizeMs: number;
  readonly slideMs: number;
  readonly startMs: number;
  /** Output column name: `window`. */
  readonly name: "window";
}

/** `sessionWindow(col, gap)`: sessions `[first event, last event + gap)` per key. */
export interface SessionWindowSpec {
  readonly kind: "session";
  readonly column: string;
  readonly gapMs: number;
  readonly name: "session_window";
}

/**
 * Groups rows into event-time windows `[start, end)` (Spark's `window`). Windows start at
 * `startTime + k * slide`; a row at time t belongs to every window with `start <= t < end`.
 *
 * @example groupBy(window("ts", "10 seconds"), "id")
 * @example window("ts", "10 minutes", "5 minutes") // sliding
 */
export function window(column: string, size: Duration, slide?: Duration, startTime: Duration = 0): WindowSpec {
  const sizeMs = parsePositiveDuration(size, `window("${column}") size`);
  const slideMs = slide === undefined ? sizeMs : parsePositiveDuration(slide, `window("${column}") slide`);
  if (slideMs > sizeMs) {
    throw errors.badOption("slide", slide, `a slide no larger than the window size (${sizeMs} ms), as in Spark`);
  }
  const startMs = parseDuration(startTime, `window("${column}") startTime`);
  if (startMs >= slideMs) {
    throw errors.badOption("startTime", startTime, `an offset smaller than the slide (${slideMs} ms), as in Spark`);
  }
  return { kind: "window", column, sizeMs, slideMs, startMs, name: "window" };
}

/**
 * Groups rows into sessions per key (Spark's `session_window`): an event at t opens `[t, t + gap)`;
 * sessions of the same key that overlap merge, also across micro-batches.
 */
export function sessionWindow(column: string, gap: Duration): SessionWindowSpec {
  const gapMs = parsePositiveDuration(gap, `sessionWindow("${column}") gap`);
  return { kind: "session", column, gapMs, name: "session_window" };
}

/**
 * The start of the newest window containing `t`. The windows containing `t` start there and every
 * `slide` before it while `start > t - size`: hot loops walk them inline, without a closure per row.
 */
export function lastWindowStart(spec: WindowSpec, t: number): number {
  return t - floorMod(t - spec.startMs, spec.slideMs);
}

/** Calls `visit(start)` for every window start whose window contains `t`, newest first. */
export function forEachWindowStart(spec: WindowSpec, t: number, visit: (start: number) => void): void {
  for (let start = lastWindowStart(spec, t); start > t - spec.sizeMs; start -= spec.slideMs) visit(start);
}
