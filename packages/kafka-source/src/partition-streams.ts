import { setTimeout as delay } from "node:timers/promises";
import { kafkaErrors } from "./errors.js";
import type { KafkaRow } from "./kafka-row.js";
import type { PartitionRange } from "./offsets.js";
import { tpKey, tpKeyOf } from "./topic-partition.js";

/** One partition's position: rows fetched and not yet handed out, and where fetching continues. */
export interface PartitionStream {
  topic: string;
  partition: number;
  /** The next offset to accept; every fetched offset below it is in `rows` or was handed out. */
  cursor: number;
  rows: KafkaRow[];
  /** Index of the first row not yet handed out. */
  head: number;
  /** End of the range being read (or last read): fetching stops there. */
  until: number;
}

/** A stream positioned at the start of `range`, with nothing fetched yet. */
export function streamAt(range: PartitionRange): PartitionStream {
  return { topic: range.topic, partition: range.partition, cursor: range.from, rows: [], head: 0, until: range.until };
}

/**
 * The partitions a reader is positioned on. A range that starts where its partition's stream stands
 * (the common case: each batch starts where the last ended) continues it, reusing rows fetched past
 * the previous range; any other start begins a new stream there.
 */
export class PartitionStreams<S extends PartitionStream> {
  private readonly streams = new Map<string, S>();

  constructor(private readonly create: (range: PartitionRange) => S) {}

  get(topic: string, partition: number): S | undefined {
    return this.streams.get(tpKey(topic, partition));
  }

  /**
   * The streams for `ranges`, continued or begun anew (`isNew`). Streams of partitions these ranges
   * skip are forgotten: their rows would be held indefinitely (up to a fetch's worth each).
   */
  position(ranges: readonly PartitionRange[], isNew: (s: S) => void = () => {}): S[] {
    const asked = new Set(ranges.map((r) => tpKeyOf(r)));
    for (const key of this.streams.keys()) if (!asked.has(key)) this.streams.delete(key);
    return ranges.map((r) => {
      const key = tpKeyOf(r);
      let s = this.streams.get(key);
      const first = s ? (s.head < s.rows.length ? s.rows[s.head]!.offset : s.cursor) : -1;
      if (!s || r.from < first || r.from > s.cursor) {
        s = this.create(r);
        this.streams.set(key, s);
        isNew(s);
      }
      s.head = countBelow(s.rows, r.from, s.head);
      s.until = r.until;
      return s;
    });
  }

  /** Hands out the stream's rows below its range end; later rows (a fetch past it) stay for the next range. */
  take(s: S): KafkaRow[] {
    const end = countBelow(s.rows, s.until, s.head);
    const out = s.head === 0 && end === s.rows.length ? s.rows : s.rows.slice(s.head, end);
    s.rows = end === s.rows.length ? [] : s.rows.slice(end);
    s.head = 0;
    return out;
  }
}

/** How many of `rows` (sorted by offset) have an offset below `until`; the first `from` are known to. */
export function countBelow(rows: readonly KafkaRow[], until: number, from = 0): number {
  let lo = from,
    hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]!.offset < until) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A read's stall timeout: the time left restarts whenever any of its streams moved, and a read whose
 * streams made no progress for `timeoutMs` fails, naming the first partition still short of its end.
 */
export class StallClock {
  private mark = -1;
  private since = Date.now();

  constructor(private readonly timeoutMs: number) {}

  /** Milliseconds left after looking at the streams' progress; throws once none are. */
  check(streams: readonly PartitionStream[], cause?: unknown): number {
    const mark = streams.reduce((n, s) => n + s.cursor, 0);
    if (mark !== this.mark) {
      this.mark = mark;
      this.since = Date.now();
    }
    const left = this.remaining();
    if (left <= 0) {
      const s = streams.find((x) => x.cursor < x.until)!;
      throw kafkaErrors.fetchStalled(s.topic, s.partition, s.cursor, s.until, this.timeoutMs, cause);
    }
    return left;
  }

  /** Milliseconds left, without looking at progress. */
  remaining(): number {
    return this.timeoutMs - (Date.now() - this.since);
  }
}

/** A sleep that `wake()` ends early: a reader waiting for data, woken by its arrival or by a stop. */
export class Alarm {
  private controller: AbortController | undefined;

  /** Sleeps `ms`, or until `wake()`. */
  async sleep(ms: number): Promise<void> {
    const controller = (this.controller = new AbortController());
    await delay(ms, undefined, { signal: controller.signal }).catch(() => {
      /* woken */
    });
    if (this.controller === controller) this.controller = undefined;
  }

  wake(): void {
    this.controller?.abort();
  }
}
