import { firstValueFrom, of } from "rxjs";
import { describe, expect, it } from "vitest";
import { BatchContext } from "../src/batch/micro-batch.js";
import { count, int, struct, timestamp, window } from "../src/index.js";
import { compile } from "../src/operators/compile.js";
import type { InputPosition } from "../src/operators/exchange-input.js";
import { exchangeInput } from "../src/operators/exchange-input.js";
import { analyze, ROW_WATERMARK } from "../src/plan/analyze.js";
import type { PlanNode } from "../src/plan/nodes.js";
import type { Envelope } from "../src/sources/exchange.js";
import { decodeEnvelope, encodeEnvelopes, partitionOf } from "../src/sources/exchange.js";
import { MemoryStream } from "../src/sources/memory-stream.js";
import { MemoryStateStore } from "../src/state/memory-state-store.js";

type Row = Record<string, unknown>;
const head = (p: number, t: string, wb: number, wa: number, n = 2) => ({ p, t, wb, wa, n });
const message = (value: Uint8Array) => ({ partition: 0, value });
const run = (op: ReturnType<typeof exchangeInput>, rows: Row[], watermarkMs = 0) => {
  const ctx = new BatchContext();
  return firstValueFrom(of({ batchId: 0, rows, watermarkMs, ctx }).pipe(op)).then((b) => ({ rows: b.rows, ctx }));
};

describe("exchange messages", () => {
  it("round-trip every value a row holds, in chunks under the message limit, the same cut every time", () => {
    const rows = Array.from({ length: 2_000 }, (_, i) => ({
      i,
      s: "x".repeat(400),
      b: Buffer.from([i & 255]),
      d: new Date(i),
      n: null,
      o: { a: [i] },
    }));
    const chunks = encodeEnvelopes(head(1, "t1", 5, 9), rows);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThan(1_000_000);
    const decoded = chunks.map(decodeEnvelope);
    expect(decoded.map((e) => [e.c, e.l])).toEqual(chunks.map((_, c) => [c, c === chunks.length - 1]));
    expect(decoded.flatMap((e) => e.rows)).toEqual(rows);
    expect(encodeEnvelopes(head(1, "t1", 5, 9), rows)).toEqual(chunks);
    // An empty part is one message: it carries the input partition's watermark.
    const [empty] = encodeEnvelopes(head(0, "t2", 1, 2), []).map(decodeEnvelope) as [Envelope];
    expect([empty.rows, empty.l, empty.wa]).toEqual([[], true, 2]);
  });

  it("partition a key the same way everywhere, within range", () => {
    const keys = Array.from({ length: 1_000 }, (_, i) => `"id-${i}`);
    const parts = keys.map((k) => partitionOf(k, 4));
    expect(parts.every((p) => p >= 0 && p < 4)).toBe(true);
    expect(new Set(parts).size).toBe(4);
    expect(keys.map((k) => partitionOf(k, 4))).toEqual(parts);
  });
});

describe("exchangeInput", () => {
  it("skips the chunks a replayed batch wrote again, and tags rows with their batch's watermark", async () => {
    const store = new MemoryStateStore<InputPosition>();
    const op = exchangeInput(7, store);
    const rows = Array.from({ length: 4 }, (_, i) => ({ i }));
    const [a] = encodeEnvelopes(head(0, "t1", 100, 200), rows.slice(0, 2));
    const [b] = encodeEnvelopes(head(0, "t2", 200, 300), rows.slice(2));
    // t1, t1 again (a replay), t2, then t1 once more: only t1 and t2, once each.
    const out = await run(
      op,
      [a, a, b].map((v) => message(v as Uint8Array)),
    );
    expect(out.rows.map((r) => [r.i, r[ROW_WATERMARK]])).toEqual([
      [0, 100],
      [1, 100],
      [2, 200],
      [3, 200],
    ]);
    expect((await run(op, [message(b as Uint8Array)])).rows).toEqual([]);
  });

  it("the shard's watermark is the lowest input partition's, once every input partition has one", async () => {
    const op = exchangeInput(7, new MemoryStateStore<InputPosition>());
    const first = await run(op, [message(encodeEnvelopes(head(0, "a1", 0, 5_000), [])[0] as Uint8Array)]);
    expect(first.ctx.eventTime.get(7)).toBeUndefined();
    const both = await run(op, [message(encodeEnvelopes(head(1, "b1", 0, 3_000), [])[0] as Uint8Array)]);
    expect(both.ctx.eventTime.get(7)?.max).toBe(3_000);
  });

  it("a row is late against its input partition's watermark, even when the shard's is lower", async () => {
    const source = new MemoryStream(struct({ partition: int(), value: int() }));
    const fields = { id: int(), ts: timestamp() };
    const input: PlanNode = { kind: "exchangeInput", child: { kind: "source", source }, fields, column: "ts" };
    const plan = analyze({ kind: "aggregate", child: input, keys: [window("ts", "10 seconds"), "id"], aggs: [count().as("n")] });
    const stores = new Map([
      [1, new MemoryStateStore<any>()],
      [2, new MemoryStateStore<any>()],
    ]);
    const physical = compile(plan, "append", stores, { transformTimeoutMs: 1_000 });
    // Input partition 0's batch ran with watermark 15 s: its row in window [0, 10 s) is late there, so here.
    const late = encodeEnvelopes(head(0, "t1", 15_000, 15_000), [{ id: 1, ts: 5_000 }])[0] as Uint8Array;
    const onTime = encodeEnvelopes(head(1, "u1", 0, 0), [{ id: 1, ts: 6_000 }])[0] as Uint8Array;
    const ctx = new BatchContext();
    await firstValueFrom(of({ batchId: 0, rows: [message(late), message(onTime)], watermarkMs: 0, ctx }).pipe(physical.operator));
    expect(ctx.stateOperators[0]?.numRowsDroppedByWatermark).toBe(1);
    expect([...(stores.get(2)?.entries() ?? [])].map(([, g]) => (g as { a: unknown[] }).a[0])).toEqual([1]);
  });
});
