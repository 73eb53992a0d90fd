import type { Admin } from "kafkajs";
import { describe, expect, it } from "vitest";
import type { KafkaRow, OffsetReader } from "../src/kafka-row.js";
import type { PartitionRange } from "../src/offsets.js";
import { encodeBatch } from "../src/state/changelog-format.js";
import { ShardLog } from "../src/state/shard-log.js";

/** One changelog partition in memory: what the broker would hold, from `low` (older records deleted). */
class FakeLog {
  rows: KafkaRow[] = [];
  low = 0;
  reads = 0;
  append(messages: ReturnType<typeof encodeBatch>): void {
    for (const m of messages) {
      const offset = this.rows.length;
      this.rows.push({
        key: new TextEncoder().encode(m.key),
        value: m.value === null ? null : new TextEncoder().encode(m.value),
        topic: "log",
        partition: 0,
        offset,
        timestamp: 0,
        headers: m.headers,
      });
    }
  }
  reader(): OffsetReader {
    return {
      highWatermarks: new Map(),
      start: async () => {},
      stop: async () => {},
      read: async (ranges: readonly PartitionRange[]) =>
        ranges.map((r) => {
          if (r.from < this.low) throw new Error(`offset ${r.from} was deleted`);
          this.reads += r.until - r.from;
          return this.rows.slice(r.from, r.until);
        }),
    };
  }
  admin(): Admin {
    return {
      fetchTopicOffsets: async () => [{ partition: 0, low: String(this.low), high: String(this.rows.length), offset: "" }],
    } as unknown as Admin;
  }
  shardLog(): ShardLog {
    return new ShardLog(this.reader(), () => this.admin(), "log");
  }
}

const wm = (ms: number) => ({ watermarkMs: ms, operatorWatermarks: { "2": ms } });
const batch = (log: FakeLog, token: string, changes: [string, unknown][], snapshot = false) =>
  log.append(encodeBatch(0, changes, { token, batchId: 0, watermark: wm(changes.length), ...(snapshot ? { snapshot } : {}) }));

describe("a shard's changelog", () => {
  it("restores every committed batch in order, removals included, with the last batch's watermark", async () => {
    const log = new FakeLog();
    batch(log, "a", [
      ["k1", 1],
      ["k2", 2],
    ]);
    batch(log, "b", [
      ["k1", 10],
      ["k2", undefined],
      ["k3", 3],
    ]);
    const restored = await log.shardLog().restore(0);
    expect([...restored.entries]).toEqual([
      ["k1", 10],
      ["k3", 3],
    ]);
    expect(restored.marker?.token).toBe("b");
    expect(restored.marker?.watermark).toEqual(wm(3));
  });

  it("ignores records after the last commit marker (a batch whose writer died mid-write)", async () => {
    const log = new FakeLog();
    batch(log, "a", [["k1", 1]]);
    log.append(
      encodeBatch(
        0,
        [
          ["k1", 99],
          ["k9", 9],
        ],
        { token: "b", batchId: 1, watermark: wm(0) },
      ).slice(0, 2),
    );
    const shard = log.shardLog();
    expect(await shard.lastCommit(0)).toBe("a");
    expect([...(await shard.restore(0)).entries]).toEqual([["k1", 1]]);
    // The replay writes the batch again, whole: its changes count once, with the marker.
    batch(log, "b", [
      ["k1", 99],
      ["k9", 9],
    ]);
    expect(await shard.lastCommit(0)).toBe("b");
    expect([...(await shard.restore(0)).entries]).toEqual([
      ["k1", 99],
      ["k9", 9],
    ]);
  });

  it("a snapshot replaces the state, and a restore reads from the last snapshot on", async () => {
    const log = new FakeLog();
    for (let i = 0; i < 50; i++) batch(log, `c${i}`, [[`k${i}`, i]]);
    batch(
      log,
      "snap",
      [
        ["k49", 49],
        ["only", 1],
      ],
      true,
    );
    batch(log, "after", [["k50", 50]]);
    const shard = log.shardLog();
    await shard.lastCommit(0);
    log.reads = 0;
    const restored = await shard.restore(0);
    expect(Object.fromEntries(restored.entries)).toEqual({ k49: 49, only: 1, k50: 50 });
    expect(log.reads).toBe(5); // the snapshot (2 records + marker) and the batch after it
  });

  it("a log whose oldest records were deleted restores from a snapshot after them, and refuses otherwise", async () => {
    const log = new FakeLog();
    for (let i = 0; i < 10; i++) batch(log, `c${i}`, [[`k${i}`, i]]);
    log.low = 6; // retention deleted the first three batches
    await expect(log.shardLog().restore(0)).rejects.toThrow(/holds no snapshot since/);
    batch(log, "snap", [["k9", 9]], true);
    batch(log, "evict", [["k9", undefined]]);
    const restored = await log.shardLog().restore(0);
    expect(restored.entries.size).toBe(0); // evicted after the snapshot: a tombstone removes it
    expect(restored.marker?.token).toBe("evict");
  });

  it("finds the last commit incrementally, reading only what was appended since the last look", async () => {
    const log = new FakeLog();
    const shard = log.shardLog();
    expect(await shard.lastCommit(0)).toBeUndefined();
    batch(log, "a", [["k", 1]]);
    expect(await shard.lastCommit(0)).toBe("a");
    log.reads = 0;
    batch(log, "b", [["k", 2]]);
    expect(await shard.lastCommit(0)).toBe("b");
    expect(log.reads).toBe(2);
  });
});
