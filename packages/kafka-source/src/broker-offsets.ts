import type { Admin } from "kafkajs";
import { kafkaErrors } from "./errors.js";
import type { KafkaOffsets } from "./offsets.js";
import { get, set } from "./offsets.js";
import { parseTpKey, tpKey } from "./topic-partition.js";

/** Per partition (`tpKey`): `low` is the earliest offset still stored, `high` the next offset to be written. */
export type Watermarks = Map<string, { low: number; high: number }>;

/**
 * The brokers' log boundaries of the source's partitions, as last fetched (Spark's offset cache for
 * `latestOffset`): refreshed on demand, read between refreshes, and raised by the log ends that the
 * reader's fetches report in the meantime.
 */
export class BrokerOffsets {
  private last: Watermarks = new Map();
  private lastAt = 0;
  /** Log ends a watch fetch saw since the last refresh, and whether one woke the query since. */
  private readonly watched = new Map<string, number>();
  private woken = false;

  constructor(
    private readonly admin: () => Admin,
    private readonly topics: readonly string[],
    /** The readable log ends the reader's fetches reported since the last refresh (cleared by it). */
    private readonly fetchedHighs: () => Map<string, number> | undefined,
  ) {}

  /** Asks the brokers for every partition's boundaries; an unknown topic is a clear error. */
  async refresh(): Promise<Watermarks> {
    const out: Watermarks = new Map();
    for (const topic of this.topics) {
      let parts: { partition: number; high: string; low: string }[];
      try {
        parts = await this.admin().fetchTopicOffsets(topic);
      } catch (e) {
        if ((e as { type?: string }).type === "UNKNOWN_TOPIC_OR_PARTITION") throw kafkaErrors.unknownTopic(topic);
        throw e;
      }
      if (parts.length === 0) throw kafkaErrors.unknownTopic(topic);
      for (const p of parts) out.set(tpKey(topic, p.partition), { low: Number(p.low), high: Number(p.high) });
    }
    this.last = out;
    this.lastAt = Date.now();
    // Only ends reported after this answer may raise it: an older one could be from a deleted topic.
    this.fetchedHighs()?.clear();
    this.watched.clear();
    this.woken = false;
    return out;
  }

  /** A watch fetch saw partition `key`'s readable end at `high` (and woke the query). */
  raise(key: string, high: number): void {
    if (high > (this.watched.get(key) ?? -1)) this.watched.set(key, high);
    this.woken = true;
  }

  /** Whether a watch woke the query since the last refresh: its answer already shows the new ends. Asked once. */
  takeWoken(): boolean {
    const woken = this.woken;
    this.woken = false;
    return woken;
  }

  /** The last answer if it is younger than `maxAgeMs`, else a fresh one. */
  async recent(maxAgeMs: number): Promise<Watermarks> {
    return this.ageMs() < maxAgeMs ? this.last : this.refresh();
  }

  /** Milliseconds since the last refresh. */
  ageMs(): number {
    return Date.now() - this.lastAt;
  }

  /** The partitions as last fetched. */
  get current(): Watermarks {
    return this.last;
  }

  /** The earliest stored offset of a partition, as last fetched (0 if unknown). */
  earliest(topic: string, partition: number): number {
    return this.last.get(tpKey(topic, partition))?.low ?? 0;
  }

  /** Log ends as last known: the brokers' answer at the last refresh, raised by what fetches reported since. */
  knownHighs(): KafkaOffsets {
    const out = asOffsets(this.last, "high");
    for (const [key, high] of [...(this.fetchedHighs() ?? []), ...this.watched]) {
      const [topic, partition] = parseTpKey(key);
      if (high > (get(out, topic, partition) ?? Infinity)) set(out, topic, partition, high);
    }
    return out;
  }
}

/** One side of the boundaries as an offset map. */
export function asOffsets(w: Watermarks, pick: "low" | "high"): KafkaOffsets {
  const out: KafkaOffsets = {};
  for (const [key, v] of w) {
    const [topic, partition] = parseTpKey(key);
    set(out, topic, partition, v[pick]);
  }
  return out;
}
