import { errors } from "../errors.js";
import { long, timestamp } from "../schema/types.js";
import type { ReadLimit, Source } from "./source.js";

export interface RateSourceOptions {
  /** Rows generated per second. Default 1. */
  rowsPerSecond?: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

/** Offsets carry the start time, so a replayed range regenerates exactly the same rows. */
export interface RateOffset {
  readonly startMs: number;
  readonly rows: number;
  readonly [k: string]: number;
}

export interface RateRow {
  timestamp: number;
  value: number;
}

/**
 * Spark's `rate` source: `{ timestamp, value }` rows at a steady pace, `value` counting from 0 and
 * `timestamp` the time the row was due. Deterministic from its offsets, so replay is exact.
 */
export function rateSource(options: RateSourceOptions = {}): Source<RateRow, RateOffset> {
  const { rowsPerSecond = 1, now = Date.now } = options;
  if (!(rowsPerSecond > 0) || !Number.isFinite(rowsPerSecond)) {
    throw errors.badOption("rowsPerSecond", rowsPerSecond, "a positive number");
  }
  const due = (startMs: number, t: number) => Math.max(0, Math.floor(((t - startMs) * rowsPerSecond) / 1000));
  return {
    description: `RateSource[rowsPerSecond=${rowsPerSecond}]`,
    identity: "RateSource",
    fields: { timestamp: timestamp(), value: long() },
    initialOffset: () => ({ startMs: now(), rows: 0 }),
    latestOffset(start: RateOffset, limit: ReadLimit): RateOffset {
      const cap = (limit.upTo as RateOffset | undefined)?.rows ?? Infinity;
      const available = Math.min(cap, due(start.startMs, now()));
      const rows = limit.maxRows === undefined ? available : Math.min(available, start.rows + limit.maxRows);
      return { startMs: start.startMs, rows: Math.max(rows, start.rows) };
    },
    getBatch(start: RateOffset, end: RateOffset): RateRow[] {
      const out = new Array<RateRow>(Math.max(0, end.rows - start.rows));
      for (let i = start.rows; i < end.rows; i++) {
        out[i - start.rows] = { timestamp: start.startMs + Math.floor((i * 1000) / rowsPerSecond), value: i };
      }
      return out;
    },
    commit() {},
    stop() {},
  };
}
