import type { KafkaRow } from "./kafka-row.js";
import type { PartitionRange } from "./offsets.js";
import { countBelow } from "./partition-streams.js";
import { tpKeyOf } from "./topic-partition.js";

/** Reads ranges; returns each range's rows in offset order, one array per range, in range order. */
export type ReadRanges = (ranges: readonly PartitionRange[]) => Promise<KafkaRow[][]>;

/**
 * Reads the next batch's ranges in the background while the engine processes the current batch, so
 * fetching and processing overlap. A later read uses the prefetched rows for the part of its ranges
 * they cover (same start offset per partition) and reads only the rest; anything else is discarded.
 * Rows for an offset range are the same whenever they are read, so this never changes a batch.
 */
export class Prefetcher {
  private ahead: { ranges: readonly PartitionRange[]; rows: Promise<KafkaRow[][] | undefined> } | undefined;

  constructor(private readonly read: ReadRanges) {}

  prefetch(ranges: readonly PartitionRange[]): void {
    if (ranges.length === 0) return;
    this.ahead = { ranges, rows: this.read(ranges).catch(() => undefined) };
  }

  async get(ranges: readonly PartitionRange[]): Promise<KafkaRow[][]> {
    const ahead = this.ahead;
    this.ahead = undefined;
    const got = ahead ? await ahead.rows : undefined;
    if (!ahead || !got) return this.read(ranges);
    const prefetched = new Map(ahead.ranges.map((r, i) => [tpKeyOf(r), i]));
    const out: KafkaRow[][] = [];
    const rest: PartitionRange[] = [];
    const restOf: number[] = [];
    ranges.forEach((r, i) => {
      const j = prefetched.get(tpKeyOf(r));
      const a = j === undefined ? undefined : ahead.ranges[j]!;
      if (!a || a.from !== r.from) {
        out.push([]);
        rest.push(r);
        restOf.push(i);
        return;
      }
      const rows = got[j!]!;
      out.push(r.until >= a.until ? rows : rows.slice(0, countBelow(rows, r.until)));
      if (r.until > a.until) {
        rest.push({ ...r, from: a.until });
        restOf.push(i);
      }
    });
    if (rest.length === 0) return out;
    const more = await this.read(rest);
    more.forEach((rows, k) => {
      out[restOf[k]!] = out[restOf[k]!]!.concat(rows);
    });
    return out;
  }
}

/** One batch's rows: the ranges' rows one after another (native `concat`: a block copy per range, not a push per row). */
export function concatRanges(perRange: readonly KafkaRow[][]): KafkaRow[] {
  if (perRange.length === 1) return perRange[0]!;
  return ([] as KafkaRow[]).concat(...perRange);
}
