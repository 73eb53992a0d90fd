import { describe, expect, it } from "vitest";
import { any, count, int, long, MemoryStream, memorySink, readStream, staticFrame, string, struct, window } from "../src/index.js";
import { runBatches, SEC, secondsInput } from "./helpers.js";

const users = staticFrame(
  [
    { id: 1, country: "NL" },
    { id: 2, country: "DE" },
    { id: 2, country: "AT" },
    { id: null as unknown as number, country: "??" },
  ],
  struct({ id: int(), country: string() }),
);

describe("withColumnRenamed and drop", () => {
  it("rename in place and drop columns; a watermark follows its column's new name", async () => {
    const { input, frame } = secondsInput();
    const f = frame
      .withColumn("extra", () => 1)
      .withColumnRenamed("eventTime", "t")
      .drop("extra")
      .withWatermark("t", "10 seconds")
      .groupBy(window("t", "5 seconds"))
      .agg(count().as("n"));
    expect(
      Object.keys(
        frame
          .withColumn("extra", () => 1)
          .withColumnRenamed("eventTime", "t")
          .drop("extra").schema,
      ),
    ).toEqual(["value", "t"]);
    const { sink } = await runBatches(input, f, [[{ value: 10 }, { value: 11 }], [{ value: 30 }]]);
    expect(sink.rows.map((r) => [r.window.start / SEC, r.n])).toEqual([[10, 2]]);
  });

  it("a watermark set before a rename still finalizes windows on the renamed column", async () => {
    const { input, frame } = secondsInput();
    const f = frame
      .withWatermark("eventTime", "10 seconds")
      .withColumnRenamed("eventTime", "t")
      .groupBy(window("t", "5 seconds"))
      .agg(count().as("n"));
    const { sink } = await runBatches(input, f, [[{ value: 10 }], [{ value: 30 }]]);
    expect(sink.rows.map((r) => r.n)).toEqual([1]);
  });

  it("names the column in plan-time errors", () => {
    const f = readStream(new MemoryStream(struct({ a: long(), b: long() })));
    expect(() => f.withColumnRenamed("nope" as "a", "c")).toThrow(/nope/);
    expect(() => f.withColumnRenamed("a", "b")).toThrow(/"b"|b\b.*withColumnRenamed/);
    expect(() => f.drop("nope" as "a")).toThrow(/nope/);
  });
});

describe("stream-static join", () => {
  const events = () => {
    const input = new MemoryStream(struct({ id: int().nullable(), v: long() }));
    return { input, frame: readStream(input) };
  };

  it("inner: a row per match, columns on → stream → table; a null key matches nothing", async () => {
    const { input, frame } = events();
    const { sink } = await runBatches(input, frame.join(users, { on: "id" }), [
      [
        { id: 1, v: 10 },
        { id: 2, v: 20 },
        { id: 3, v: 30 },
        { id: null as unknown as number, v: 0 },
      ],
    ]);
    expect(sink.rows).toEqual([
      { id: 1, v: 10, country: "NL" },
      { id: 2, v: 20, country: "DE" },
      { id: 2, v: 20, country: "AT" },
    ]);
    expect(Object.keys(frame.join(users, { on: "id" }).schema)).toEqual(["id", "v", "country"]);
  });

  it("leftOuter: unmatched rows with nulls for the table's columns", async () => {
    const { input, frame } = events();
    const f = frame.join(users, { on: ["id"], type: "leftOuter" });
    expect(f.schema.country?.isNullable).toBe(true);
    const { sink } = await runBatches(input, f, [
      [
        { id: 3, v: 30 },
        { id: 1, v: 10 },
      ],
    ]);
    expect(sink.rows).toEqual([
      { id: 3, v: 30, country: null },
      { id: 1, v: 10, country: "NL" },
    ]);
  });

  it("a loader is called before every batch: a lookup table refreshed as it changes", async () => {
    const { input, frame } = events();
    let table = [{ id: 1, country: "NL" }];
    let loads = 0;
    const live = staticFrame(
      async () => {
        loads++;
        return table;
      },
      struct({ id: int(), country: string() }),
    );
    const sink = memorySink<{ country: string | null }>();
    const q = await frame.join(live, { on: "id", type: "leftOuter" }).writeStream.format(sink).start();
    input.addData({ id: 1, v: 1 });
    await q.processAllAvailable();
    table = [{ id: 1, country: "BE" }];
    input.addData({ id: 1, v: 2 });
    await q.processAllAvailable();
    await q.stop();
    expect(sink.rows.map((r) => r.country)).toEqual(["NL", "BE"]);
    expect(loads).toBe(2);
  });

  it('keys match by value and type: 1 is not "1"; a struct key matches an equal struct', async () => {
    const input = new MemoryStream(struct({ k: any(), v: long() }));
    const table = staticFrame(
      [
        { k: "1", tag: "string one" },
        { k: 1, tag: "number one" },
        { k: { a: 1 }, tag: "struct" },
      ],
      struct({ k: any(), tag: string() }),
    );
    const { sink } = await runBatches(input, readStream(input).join(table, { on: "k" }), [
      [
        { k: 1, v: 1 },
        { k: "1", v: 2 },
        { k: { a: 1 }, v: 3 },
        { k: true, v: 4 },
      ],
    ]);
    expect(sink.rows.map((r) => [r.v, r.tag])).toEqual([
      [1, "number one"],
      [2, "string one"],
      [3, "struct"],
    ]);
  });

  it("plan-time errors: a non-key column on both sides, an unknown key, an unsupported type", () => {
    const { frame } = events();
    const clash = staticFrame([], struct({ id: int(), v: long() }));
    expect(() => frame.join(clash, { on: "id" })).toThrow(/"v"|\bv\b/);
    expect(() => frame.join(users, { on: "nope" as "id" })).toThrow(/nope/);
    expect(() => frame.join(users, { on: "id", type: "fullOuter" as "inner" })).toThrow(/inner.*leftOuter/);
  });
});
