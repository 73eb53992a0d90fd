import { describe, expect, it } from "vitest";
import {
  avg,
  col,
  count,
  double,
  int,
  lit,
  long,
  MemoryStream,
  max,
  memorySink,
  readStream,
  string,
  struct,
  sum,
  timestamp,
  window,
} from "../src/index.js";
import { runBatches } from "./helpers.js";

const schema = struct({ id: int(), ts: timestamp(), value: double(), source: string().nullable() });
const row = (id: number, value: number, source: string | null = "s") => ({ id, ts: id * 1_000, value, source });

describe("DSL verbs", () => {
  it("select, filter/where and withColumn (function and Column) compose", async () => {
    const input = new MemoryStream(schema);
    const frame = readStream(input)
      .withColumn("double", (r) => r.value * 2)
      .withColumn("big", col("value").gt(10))
      .where(col("source").isNotNull())
      .filter((r) => r.id !== 3)
      .select("id", "double", "big");
    const { sink } = await runBatches(input, frame, [[row(1, 5), row(2, 20, null), row(3, 30), row(4, 40)]]);
    expect(sink.rows).toEqual([
      { id: 1, double: 10, big: false },
      { id: 4, double: 80, big: true },
    ]);
  });

  it("Column expressions follow SQL null semantics", async () => {
    const input = new MemoryStream(struct({ a: long().nullable(), b: long().nullable() }));
    const frame = readStream(input)
      .withColumn("sum", col("a").plus(col("b")))
      .withColumn("ratio", col("a").divide("b"))
      .withColumn("and", col("a").gt(0).and(col("b").gt(0)))
      .withColumn("or", col("a").gt(0).or(col("b").gt(0)))
      .withColumn("ts", col("a").multiply(1000).cast("timestamp"))
      .withColumn("label", col("a").cast("string"))
      .withColumn("isNull", col("b").isNull())
      .withColumn("one", lit(1).plus(col("a")).minus(col("a")).mod(5));
    const { sink } = await runBatches(input, frame, [
      [
        { a: 2, b: 0 },
        { a: null, b: 3 },
        { a: -1, b: null },
      ],
    ]);
    expect(sink.rows).toEqual([
      { a: 2, b: 0, sum: 2, ratio: null, and: false, or: true, ts: 2_000, label: "2", isNull: false, one: 1 },
      { a: null, b: 3, sum: null, ratio: null, and: null, or: true, ts: null, label: null, isNull: false, one: null },
      { a: -1, b: null, sum: null, ratio: null, and: false, or: null, ts: -1_000, label: "-1", isNull: true, one: 1 },
    ]);
  });

  it("withColumn replaces an existing column in place", async () => {
    const input = new MemoryStream(struct({ a: long(), b: long() }));
    const { sink } = await runBatches(
      input,
      readStream(input).withColumn("a", (r) => r.a + 100),
      [[{ a: 1, b: 2 }]],
    );
    expect(sink.rows).toEqual([{ a: 101, b: 2 }]);
  });

  it("agg names default like Spark's, and can be renamed", async () => {
    const input = new MemoryStream(schema);
    const agg = readStream(input).groupBy("source").agg(count(), count("value"), sum("value"), avg("value").as("mean"), max("id"));
    expect(Object.keys(agg.schema)).toEqual(["source", "count", "count(value)", "sum(value)", "mean", "max(id)"]);
    const { sink } = await runBatches(input, agg, [[row(1, 1), row(2, 3)]], "complete");
    expect(sink.rows).toEqual([{ source: "s", count: 2, "count(value)": 2, "sum(value)": 4, mean: 2, "max(id)": 2 }]);
  });

  it('null grouping keys form their own group, distinct from the string "null"', async () => {
    const input = new MemoryStream(schema);
    const agg = readStream(input).groupBy("source").count();
    const { sink } = await runBatches(input, agg, [[row(1, 1, null), row(2, 1, "null"), row(3, 1, null)]], "complete");
    expect(sink.rows).toEqual([
      { source: null, count: 2 },
      { source: "null", count: 1 },
    ]);
  });
});

describe("plan-time validation names the column or option at fault", () => {
  const input = new MemoryStream(schema);
  const frame = readStream(input);
  it.each([
    [
      "select",
      () => frame.select("nope" as never),
      /Column "nope" used in select does not exist; available columns: "id", "ts", "value", "source"/,
    ],
    ["withWatermark", () => frame.withWatermark("nope" as never, "1 second"), /Column "nope" used in withWatermark/],
    ["withWatermark type", () => frame.withWatermark("source", "1 second"), /Column "source" used in withWatermark has type string\?/],
    ["negative delay", () => frame.withWatermark("ts", "-5 seconds"), /withWatermark\("ts"\) delay must not be negative/],
    ["bad delay", () => frame.withWatermark("ts", "5 parsecs"), /Invalid duration "5 parsecs"/],
    [
      "window column",
      () => frame.groupBy(window("source", "1 second")).count(),
      /Column "source" used in window\(\.\.\.\) has type string\?/,
    ],
    ["groupBy", () => frame.groupBy("nope" as never).count(), /Column "nope" used in groupBy/],
    ["agg column", () => frame.groupBy("id").agg(sum("nope")), /Column "nope" used in aggregate "sum\(nope\)"/],
    [
      "agg type",
      () => frame.groupBy("id").agg(avg("source")),
      /Column "source" used in aggregate "avg\(source\)" has type string\?, but a numeric type/,
    ],
    ["agg name clash", () => frame.groupBy("id").agg(count().as("id")), /Column "id" appears twice in agg/],
    ["two windows", () => frame.groupBy(window("ts", "1 second"), window("ts", "2 seconds")).count(), /at most one window/],
    ["expression", () => frame.filter(col("nope").gt(1)), /Column "nope" used in an expression/],
    ["arithmetic type", () => frame.withColumn("x", col("source").plus(1)), /Column "source" used in "\+" has type string\?/],
    ["two aggregations", () => frame.groupBy("id").count().groupBy("id").count(), /Only one streaming aggregation/],
    ["maxOffsetsPerTrigger", () => readStream(input, { maxOffsetsPerTrigger: 0 }), /maxOffsetsPerTrigger/],
    ["unknown writer option", () => frame.writeStream.option("checkpointLocaton" as never, "x" as never), /known writeStream options/],
  ])("%s", (_name, build, message) => {
    expect(build).toThrow(message);
  });

  it("start() without a sink", async () => {
    await expect(frame.writeStream.start()).rejects.toThrow(/writeStream has no sink/);
  });

  it("MemoryStream.addData refuses rows that do not match the schema", () => {
    expect(() => input.addData({ id: "x" as never, ts: 0, value: 1, source: null })).toThrow(
      /Value "x" for column "id" does not match its type int/,
    );
  });
});

void memorySink;
