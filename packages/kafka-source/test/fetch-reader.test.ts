import { describe, expect, it } from "vitest";
import { FetchReader } from "../src/fetch/fetch-reader.js";
import { fakeInternals, log } from "./fetch-fakes.js";

describe("FetchReader (against a fake broker)", () => {
  it("a batch cut at the partition's byte limit is fetched again with room for all of it", async () => {
    const huge = "y".repeat(3 << 20); // bigger than the first fetch's 1 MB limit
    const logs = new Map([[0, await log(["a", huge, "b"])]]);
    const asked: number[] = [];
    const reader = new FetchReader(fakeInternals("t", logs, asked), ["t"], 5_000);
    await reader.start();
    const rows = await reader.read([{ topic: "t", partition: 0, from: 0, until: 3 }]);
    expect(rows[0]!.map((r) => Buffer.from(r.value!).toString())).toEqual(["a", huge, "b"]);
    expect(Math.max(...asked)).toBeGreaterThanOrEqual(huge.length);
    await reader.stop();
  });

  it("reports the last stable offset as the readable end, not the high watermark past an open transaction", async () => {
    const logs = new Map([[0, await log(["a", "b", "c", "d"])]]);
    const reader = new FetchReader(fakeInternals("t", logs, [], 2), ["t"], 5_000);
    await reader.start();
    await reader.read([{ topic: "t", partition: 0, from: 0, until: 2 }]);
    expect(reader.highWatermarks.get("t:0")).toBe(2);
    await reader.stop();
  });

  it("offsets gone from the broker while reading (OFFSET_OUT_OF_RANGE) fail clearly, not retried", async () => {
    const logs = new Map([[0, await log(["a", "b"])]]);
    const reader = new FetchReader(fakeInternals("t", logs, [], undefined, 1), ["t"], 5_000);
    await reader.start();
    const t0 = Date.now();
    await expect(reader.read([{ topic: "t", partition: 0, from: 0, until: 2 }])).rejects.toMatchObject({
      code: "KAFKA_DATA_LOSS",
      message: expect.stringMatching(/t-0: offset 0 is out of range/),
    });
    expect(Date.now() - t0).toBeLessThan(1_000);
    await reader.stop();
  });

  it("sizes fetches to what the range needs once it knows the records' size", async () => {
    const logs = new Map([[0, await log(Array.from({ length: 12_000 }, (_, i) => `value-${i}`.padEnd(200, ".")))]]);
    const asked: number[] = [];
    const reader = new FetchReader(fakeInternals("t", logs, asked), ["t"], 5_000);
    await reader.start();
    for (let from = 0; from < 12_000; from += 500) {
      const rows = await reader.read([{ topic: "t", partition: 0, from, until: from + 500 }]);
      expect(rows[0]!.map((r) => r.offset)).toEqual(Array.from({ length: 500 }, (_, i) => from + i));
    }
    // 1 MB first (≈ 3,700 records of ≈ 280 bytes); after that at most about a range's worth per fetch
    // (less when part of the range was already fetched), and at most two fetches per range.
    expect(asked[0]).toBe(1 << 20);
    for (const bytes of asked.slice(1)) expect(bytes).toBeLessThan(500 * 400);
    expect(asked.length).toBeLessThanOrEqual(2 * 24);
    await reader.stop();
  });
});
