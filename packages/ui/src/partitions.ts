import type { SourceProgress } from "@skp/core";

/** One input partition of a Kafka source, as the page's table and `skp_kafka_partition_lag` show it. */
export interface PartitionRow {
  readonly topic: string;
  readonly partition: number;
  /** Where the last batch ended. */
  readonly offset: number;
  /** The newest offset the brokers had (the log end), when the source reports it. */
  readonly latest: number | null;
  /** Offsets not yet read: `latest − offset`. */
  readonly lag: number | null;
}

type TopicOffsets = Record<string, Record<string, number>>;

/**
 * Per-partition offsets and lag of a source whose offsets are Kafka's — `{ topic: { partition:
 * offset } }`, or with a consumer group `{ group: { topic: { partition: offset } }, ... }` (only the
 * partitions this process read) — and nothing for any other source.
 */
export function partitionsOf(source: SourceProgress): PartitionRow[] {
  const end = topicOffsets(source.endOffset);
  if (!end) return [];
  const latest = topicOffsets(source.latestOffset) ?? {};
  const rows: PartitionRow[] = [];
  for (const [topic, parts] of Object.entries(end)) {
    for (const [p, offset] of Object.entries(parts)) {
      const high = latest[topic]?.[p];
      const known = typeof high === "number" ? high : null;
      rows.push({ topic, partition: Number(p), offset, latest: known, lag: known === null ? null : Math.max(0, known - offset) });
    }
  }
  return rows.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

function topicOffsets(o: unknown): TopicOffsets | undefined {
  if (!isRecord(o)) return undefined;
  const inner = isRecord(o.group) ? o.group : o;
  const out: TopicOffsets = {};
  for (const [topic, parts] of Object.entries(inner)) {
    if (!isRecord(parts)) return undefined;
    const entries = Object.entries(parts);
    if (entries.length === 0 || !entries.every(([p, v]) => /^\d+$/.test(p) && typeof v === "number")) return undefined;
    out[topic] = parts as Record<string, number>;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function isRecord(o: unknown): o is Record<string, unknown> {
  return typeof o === "object" && o !== null && !Array.isArray(o);
}
