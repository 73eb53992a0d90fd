import type { ReadLimit } from "@skp/core";

/**
 * Kafka offsets as the skp checkpoint stores them, Spark's shape: `{ "<topic>": { "<partition>": next offset } }`.
 * A batch covers, per partition, offsets `[start, end)`.
 */
export type KafkaOffsets = { [topic: string]: { [partition: string]: number } };

export interface PartitionRange {
  topic: string;
  partition: number;
  from: number;
  until: number;
}

/** The most offsets one batch may read: the trigger's limit and `maxOffsetsPerTrigger`; undefined for no bound. */
export function batchLimit(limit: ReadLimit, maxOffsetsPerTrigger: number | undefined): number | undefined {
  const max = limit.unbounded ? Infinity : Math.min(limit.maxRows ?? Infinity, maxOffsetsPerTrigger ?? Infinity);
  return Number.isFinite(max) ? max : undefined;
}

export function forEachPartition(offsets: KafkaOffsets, fn: (topic: string, partition: number, offset: number) => void): void {
  for (const topic of Object.keys(offsets).sort()) {
    const parts = offsets[topic]!;
    for (const p of Object.keys(parts)
      .map(Number)
      .sort((a, b) => a - b))
      fn(topic, p, parts[p]!);
  }
}

export function get(offsets: KafkaOffsets, topic: string, partition: number): number | undefined {
  return offsets[topic]?.[partition];
}

export function set(offsets: KafkaOffsets, topic: string, partition: number, offset: number): void {
  (offsets[topic] ??= {})[partition] = offset;
}

/** Ranges to read between two offset maps (partitions absent from `start` begin at `fallback`). */
export function ranges(start: KafkaOffsets, end: KafkaOffsets, fallback: (topic: string, partition: number) => number): PartitionRange[] {
  const out: PartitionRange[] = [];
  forEachPartition(end, (topic, partition, until) => {
    const from = get(start, topic, partition) ?? fallback(topic, partition);
    if (until > from) out.push({ topic, partition, from, until });
  });
  return out;
}

/**
 * Spark's `maxOffsetsPerTrigger`: when the backlog exceeds `max`, each partition advances in
 * proportion to its own backlog, and at least one offset overall, so the query always makes progress.
 */
export function limitOffsets(
  start: KafkaOffsets,
  latest: KafkaOffsets,
  max: number | undefined,
  fallback: (t: string, p: number) => number,
): KafkaOffsets {
  if (max === undefined) return latest;
  const lags: { topic: string; partition: number; from: number; lag: number }[] = [];
  let total = 0;
  forEachPartition(latest, (topic, partition, high) => {
    const from = get(start, topic, partition) ?? fallback(topic, partition);
    const lag = Math.max(0, high - from);
    lags.push({ topic, partition, from, lag });
    total += lag;
  });
  if (total <= max) return latest;
  const out: KafkaOffsets = {};
  let given = 0;
  for (const l of lags) {
    const share = Math.floor((l.lag * max) / total);
    given += share;
    set(out, l.topic, l.partition, l.from + share);
  }
  if (given === 0) {
    const biggest = lags.reduce((a, b) => (b.lag > a.lag ? b : a));
    set(out, biggest.topic, biggest.partition, biggest.from + 1);
  }
  return out;
}

/** Per partition, the smaller of two offset maps (for availableNow's `upTo`); partitions unknown to `cap` stay at `start`. */
export function capOffsets(
  end: KafkaOffsets,
  cap: KafkaOffsets | undefined,
  start: KafkaOffsets,
  fallback: (t: string, p: number) => number,
): KafkaOffsets {
  if (!cap) return end;
  const out: KafkaOffsets = {};
  forEachPartition(end, (topic, partition, offset) => {
    const c = get(cap, topic, partition) ?? get(start, topic, partition) ?? fallback(topic, partition);
    set(out, topic, partition, Math.min(offset, c));
  });
  return out;
}

/**
 * Every partition of `start` stays in the result: an end map that forgot a partition would make the
 * next batch start it over from the fallback, reading it twice.
 */
export function carryOver(start: KafkaOffsets, end: KafkaOffsets): KafkaOffsets {
  const out: KafkaOffsets = JSON.parse(JSON.stringify(end));
  forEachPartition(start, (topic, partition, offset) => {
    if (get(out, topic, partition) === undefined) set(out, topic, partition, offset);
  });
  return out;
}

/** The end offset of each range, as an offset map. */
export function rangeEnds(list: readonly PartitionRange[]): KafkaOffsets {
  const out: KafkaOffsets = {};
  for (const r of list) set(out, r.topic, r.partition, r.until);
  return out;
}

/** Whether two offset maps name the same partitions at the same offsets (in any key order). */
export function sameOffsets(a: KafkaOffsets, b: KafkaOffsets): boolean {
  let n = 0;
  let same = true;
  forEachPartition(a, (topic, partition, offset) => {
    n++;
    if (get(b, topic, partition) !== offset) same = false;
  });
  forEachPartition(b, () => n--);
  return same && n === 0;
}
