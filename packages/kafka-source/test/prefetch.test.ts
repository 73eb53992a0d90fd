import { describe, expect, it } from "vitest";
import type { KafkaRow } from "../src/kafka-row.js";
import type { PartitionRange } from "../src/offsets.js";
import { concatRanges, Prefetcher } from "../src/prefetch.js";

/** A fake reader over an infinite log: partition p, offset o holds value `p:o`. Records every read. */
function fakeReader() {
  const reads: PartitionRange[][] = [];
  const read = async (ranges: readonly PartitionRange[]): Promise<KafkaRow[][]> => {
    reads.push(ranges.map((r) => ({ ...r })));
    const out: KafkaRow[][] = [];
    for (const r of ranges)
      for (let o = r.from, rows: KafkaRow[] = out[out.push([]) - 1]!; o < r.until; o++) {
        rows.push({
          key: null,
          value: new TextEncoder().encode(`${r.partition}:${o}`),
          topic: r.topic,
          partition: r.partition,
          offset: o,
          timestamp: 0,
          headers: {},
        });
      }
    return out;
  };
  return { read, reads };
}
const r = (partition: number, from: number, until: number): PartitionRange => ({ topic: "t", partition, from, until });
const offsets = (perRange: KafkaRow[][]) => concatRanges(perRange).map((x) => `${x.partition}:${x.offset}`);

describe("Prefetcher", () => {
  it("serves a read from the prefetched rows, reading only what they do not cover", async () => {
    const { read, reads } = fakeReader();
    const p = new Prefetcher(read);
    p.prefetch([r(0, 10, 15), r(1, 0, 3)]);
    const rows = await p.get([r(0, 10, 17), r(1, 0, 2), r(2, 5, 6)]);
    expect(offsets(rows)).toEqual(["0:10", "0:11", "0:12", "0:13", "0:14", "0:15", "0:16", "1:0", "1:1", "2:5"]);
    expect(reads).toEqual([
      [r(0, 10, 15), r(1, 0, 3)],
      [r(0, 15, 17), r(2, 5, 6)],
    ]);
  });

  it("serves a range of hundreds of thousands of rows (no argument spreading that overflows the stack)", async () => {
    const { read } = fakeReader();
    const p = new Prefetcher(read);
    p.prefetch([r(0, 0, 300_000)]);
    const rows = await p.get([r(0, 0, 300_000), r(1, 0, 1)]);
    const all = concatRanges(rows);
    expect(all).toHaveLength(300_001);
    expect(all[299_999]!.offset).toBe(299_999);
  });

  it("ignores a prefetch that does not start where the read starts, and one that failed", async () => {
    const { read } = fakeReader();
    const p = new Prefetcher(read);
    p.prefetch([r(0, 0, 5)]);
    expect(offsets(await p.get([r(0, 3, 6)]))).toEqual(["0:3", "0:4", "0:5"]);
    const failing = new Prefetcher(async (ranges) => {
      if (ranges[0]!.from === 0) throw new Error("down");
      return read(ranges);
    });
    failing.prefetch([r(0, 0, 5)]);
    expect(offsets(await failing.get([r(0, 1, 2)]))).toEqual(["0:1"]);
  });

  it("returns exactly the same rows with or without a prefetch (any overlap)", async () => {
    for (let from = 0; from < 4; from++)
      for (let aheadUntil = from; aheadUntil < 8; aheadUntil++)
        for (let until = from; until < 8; until++) {
          const { read } = fakeReader();
          const p = new Prefetcher(read);
          p.prefetch([r(0, from, aheadUntil)]);
          expect(offsets(await p.get([r(0, from, until)]))).toEqual(offsets(await read([r(0, from, until)])));
        }
  });
});
