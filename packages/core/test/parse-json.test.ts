import { describe, expect, it } from "vitest";
import type { MalformedRecord } from "../src/index.js";
import { any, binary, double, int, MemoryStream, memorySink, readStream, string, struct, timestamp } from "../src/index.js";
import { runBatches } from "./helpers.js";

const events = struct({ id: int(), ts: timestamp(), value: double(), source: string().nullable() });
const good = { id: 1, ts: "2025-11-06T07:01:12.122Z", value: 53.122, source: "sim-producer" };
const parsedGood = { id: 1, ts: Date.parse(good.ts), value: 53.122, source: "sim-producer" };

/** Inputs that must never crash the engine; each one is malformed for `events`. */
const BAD = [
  "not json at all",
  '{"id": 1, "ts": ',
  "[1, 2, 3]",
  "42",
  "null",
  JSON.stringify({ ...good, id: "one" }), // wrong type
  JSON.stringify({ ...good, id: 1.5 }), // not an int
  JSON.stringify({ ...good, id: 2 ** 40 }), // does not fit int32
  JSON.stringify({ ...good, ts: "yesterday" }), // unparseable timestamp
  JSON.stringify({ id: 1, value: 2 }), // missing non-null field
  '{"id": 1, "ts": 0, "value": 1e400}', // overflows to Infinity
  "\u0000\u0001\u0002",
];

function parsed(mode: "permissive" | "dropMalformed" | "quarantine" | "failFast") {
  const input = new MemoryStream(struct({ value: string().nullable() }));
  const deadLetters = memorySink<MalformedRecord>();
  const frame =
    mode === "quarantine" ? readStream(input).parseJson(events, { mode, deadLetters }) : readStream(input).parseJson(events, { mode });
  return { input, frame, deadLetters };
}

describe("parseJson (Spark's from_json)", () => {
  it("parses valid records, reading ISO-8601 and epoch-ms timestamps", async () => {
    const { input, frame } = parsed("permissive");
    const { sink } = await runBatches(input, frame, [
      [
        { value: JSON.stringify(good) },
        { value: JSON.stringify({ ...good, ts: 1_000, source: null }) },
        { value: JSON.stringify({ ...good, ts: "2025-11-06T07:01:12" }) }, // no zone: UTC
        { value: JSON.stringify({ id: 1, ts: 5, value: 1 }) }, // nullable field missing: null
      ],
    ]);
    expect(sink.rows).toEqual([
      parsedGood,
      { ...parsedGood, ts: 1_000, source: null },
      { ...parsedGood, ts: Date.parse("2025-11-06T07:01:12Z") },
      { id: 1, ts: 5, value: 1, source: null },
    ]);
  });

  it("permissive: every malformed record becomes a row of nulls and is counted, never a crash", async () => {
    const { input, frame } = parsed("permissive");
    const { sink, progress } = await runBatches(input, frame, [[...BAD, JSON.stringify(good)].map((value) => ({ value }))]);
    expect(sink.rows).toHaveLength(BAD.length + 1);
    for (const row of sink.rows.slice(0, BAD.length)) expect(row).toEqual({ id: null, ts: null, value: null, source: null });
    expect(sink.rows.at(-1)).toEqual(parsedGood);
    expect(progress[0]!.numRowsMalformed).toBe(BAD.length);
  });

  it("dropMalformed: drops and counts", async () => {
    const { input, frame } = parsed("dropMalformed");
    const { sink, progress } = await runBatches(input, frame, [[...BAD, JSON.stringify(good)].map((value) => ({ value }))]);
    expect(sink.rows).toEqual([parsedGood]);
    expect(progress[0]!.numRowsMalformed).toBe(BAD.length);
  });

  it("quarantine: sends the raw value and a reason naming the field to the dead-letter sink", async () => {
    const { input, frame, deadLetters } = parsed("quarantine");
    const { sink, progress } = await runBatches(input, frame, [
      [...BAD, JSON.stringify(good)].map((value) => ({ value })),
      [{ value: null }],
    ]);
    expect(sink.rows).toEqual([parsedGood]);
    expect(deadLetters.rows.map((r) => r.raw)).toEqual([...BAD, null]);
    expect(deadLetters.batches.map((b) => b.batchId)).toEqual([0, 1]);
    const reasons = deadLetters.rows.map((r) => r.reason);
    expect(reasons[0]).toMatch(/not valid JSON/);
    expect(reasons[2]).toMatch(/expected a JSON object, got an array/);
    expect(reasons[5]).toMatch(/field "id" has value "one", which is not a valid int/);
    expect(reasons[9]).toMatch(/field "ts" is missing or null/);
    expect(progress.map((p) => p.numRowsMalformed)).toEqual([BAD.length, 1]);
  });

  it("quarantine without a dead-letter sink is refused (malformed data would be lost)", () => {
    const input = new MemoryStream(struct({ value: string() }));
    expect(() => readStream(input).parseJson(events, { mode: "quarantine" })).toThrow(/deadLetters/);
  });

  it("failFast: fails the query with a clear error", async () => {
    const { input, frame } = parsed("failFast");
    const q = await frame.writeStream.format(memorySink()).start();
    input.addData({ value: "oops" });
    await expect(q.processAllAvailable()).rejects.toThrow(/Malformed record in parseJson.*not valid JSON/);
    await expect(q.awaitTermination()).rejects.toThrow(/failFast/);
    expect(q.isActive).toBe(false);
  });

  it("reads bytes (Kafka values), rejecting invalid UTF-8 as malformed", async () => {
    const input = new MemoryStream(struct({ value: binary().nullable(), partition: int() }));
    const frame = readStream(input).parseJson(events, { mode: "dropMalformed", keep: ["partition"] });
    const bytes = new TextEncoder().encode(JSON.stringify(good));
    const { sink, progress } = await runBatches(input, frame, [
      [
        { value: bytes, partition: 2 },
        { value: new Uint8Array([0xff, 0xfe]), partition: 0 },
      ],
    ]);
    expect(sink.rows).toEqual([{ partition: 2, ...parsedGood }]);
    expect(progress[0]!.numRowsMalformed).toBe(1);
  });

  it("survives huge inputs: a 5 MB string field and deeply nested JSON", async () => {
    const input = new MemoryStream(struct({ value: string() }));
    const frame = readStream(input).parseJson(struct({ s: string(), n: any() }), { mode: "permissive" });
    const big = JSON.stringify({ s: "x".repeat(5_000_000), n: 1 });
    const deep = `{"s":"d","n":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const { sink } = await runBatches(input, frame, [[{ value: big }, { value: deep }]]);
    expect((sink.rows[0]!.s as string).length).toBe(5_000_000);
    expect(sink.rows).toHaveLength(2);
  });

  it("refuses a non-text input column at plan time", () => {
    const input = new MemoryStream(struct({ value: int() }));
    expect(() => readStream(input).parseJson(events)).toThrow(
      /Column "value" used in parseJson has type int, but string or binary is required/,
    );
  });
});
