import type { PartitionRange } from "./offsets.js";
import type { KafkaRow } from "./range-reader.js";

type Read = (ranges: readonly PartitionRange[]) => Promise<KafkaRow[]>;

/**
 * Reads the next batch's ranges in the background while the engine processes the current batch, so
 * fetching and processing overlap. A later read uses the prefetched rows for the part of its ranges
 * they cover (same start offset per partition) and reads only the rest; anything else is discarded.
 * Rows for an offset range are the same whenever they are read, so this never changes a batch.
 */
export class Prefetcher {
  private ahead: { ranges: readonly PartitionRange[]; rows: Promise<KafkaRow[] | undefined> } | undefined;

  constructor(private readonly read: Read) {}

  prefetch(ranges: readonly PartitionRange[]): void {
    if (ranges.length === 0) return;
    this.ahead = { ranges, rows: this.read(ranges).catch(() => undefined) };
  }

  async get(ranges: readonly PartitionRange[]): Promise<KafkaRow[]> {
    const ahead = this.ahead;
    this.ahead = undefined;
    const got = ahead ? await ahead.rows : undefined;
    if (!ahead || !got) return this.read(ranges);
    const byPartition = new Map<string, KafkaRow[]>();
    for (const row of got) {
      const key = `${row.topic}:${row.partition}`;
      let list = byPartition.get(key);
      if (!list) byPartition.set(key, (list = []));
      list.push(row);
    }
    const prefetched = new Map(ahead.ranges.map((r) => [`${r.topic}:${r.partition}`, r]));
    const have = new Map<string, KafkaRow[]>();
    const rest: PartitionRange[] = [];
    for (const r of ranges) {
      const key = `${r.topic}:${r.partition}`;
      const a = prefetched.get(key);
      if (!a || a.from !== r.from) {
        rest.push(r);
        continue;
      }
      have.set(key, (byPartition.get(key) ?? []).filter((row) => row.offset < r.until));
      if (r.until > a.until) rest.push({ ...r, from: a.until });
    }
    const more = rest.length > 0 ? await this.read(rest) : [];
    for (const row of more) {
      const key = `${row.topic}:${row.partition}`;
      let list = have.get(key);
      if (!list) have.set(key, (list = []));
      list.push(row);
    }
    const out: KafkaRow[] = [];
    for (const r of ranges) for (const row of have.get(`${r.topic}:${r.partition}`) ?? []) out.push(row); // no spread: ranges can be huge
    return out;
  }
}
