import { describe, expectTypeOf, it } from "vitest";
import type { Infer, StreamingQuery, WindowValue } from "../src/index.js";
import * as skp from "../src/index.js";

const { avg, col, count, double, first, int, long, MemoryStream, max, readStream, sessionWindow, string, struct, sum, timestamp, window } =
  skp;

const schema = struct({ id: int(), ts: timestamp(), value: double(), source: string().nullable() });
const kafkaLike = new MemoryStream(struct({ value: string(), partition: int() }));

describe("row types are inferred from schemas", () => {
  it("struct → row", () => {
    expectTypeOf<Infer<typeof schema>>().toEqualTypeOf<{ id: number; ts: number; value: number; source: string | null }>();
  });

  it("parseJson: permissive rows are nullable; dropMalformed rows are exact; keep adds columns", () => {
    const permissive = readStream(kafkaLike).parseJson(schema);
    expectTypeOf(permissive).toEqualTypeOf<
      import("../src/index.js").StreamFrame<{ id: number | null; ts: number | null; value: number | null; source: string | null }>
    >();
    const exact = readStream(kafkaLike).parseJson(schema, { mode: "dropMalformed", keep: ["partition"] });
    expectTypeOf(exact).toEqualTypeOf<
      import("../src/index.js").StreamFrame<{ partition: number; id: number; ts: number; value: number; source: string | null }>
    >();
  });

  it("select narrows, withColumn extends", () => {
    const f = readStream(new MemoryStream(schema))
      .withColumn("eventTime", (r) => r.value * 1000)
      .select("id", "eventTime");
    expectTypeOf(f).toEqualTypeOf<import("../src/index.js").StreamFrame<{ id: number; eventTime: number }>>();
    const g = readStream(new MemoryStream(schema)).withColumn("flag", col("value").gt(1));
    expectTypeOf<Parameters<Parameters<typeof g.filter>[0] & ((r: never) => unknown)>[0]>().toHaveProperty("flag");
  });

  it("window and agg columns are typed", () => {
    const agg = readStream(new MemoryStream(schema))
      .withWatermark("ts", "30 seconds")
      .groupBy(window("ts", "10 seconds"), "id")
      .agg(avg("value").as("avg_value"), count(), max("source"), sum("value"), first("id").as("f"));
    type Out = typeof agg extends import("../src/index.js").StreamFrame<infer R extends object> ? R : never;
    expectTypeOf<Out>().toEqualTypeOf<{
      window: WindowValue;
      id: number;
      avg_value: number | null;
      count: number;
      "max(source)": string | null;
      "sum(value)": number | null;
      f: number | null;
    }>();
    const sessions = readStream(new MemoryStream(schema)).groupBy(sessionWindow("ts", "5 minutes"), "source").count();
    type S = typeof sessions extends import("../src/index.js").StreamFrame<infer R extends object> ? R : never;
    expectTypeOf<S>().toEqualTypeOf<{ session_window: WindowValue; source: string | null; count: number }>();
  });

  it("column names are checked at compile time", () => {
    const f = readStream(new MemoryStream(schema));
    // @ts-expect-error unknown column
    f.select("nope");
    // @ts-expect-error unknown column
    f.withWatermark("nope", "1 second");
    // @ts-expect-error unknown grouping column
    f.groupBy("nope");
  });

  it("DESIGN §8 contract example type-checks", async () => {
    const input = new MemoryStream(struct({ value: long() }));
    const q = readStream(input)
      .withColumn("eventTime", (r) => r.value * 1000)
      .withColumn("key", (r) => r.value % 2)
      .withWatermark("eventTime", "10 seconds")
      .groupBy(window("eventTime", "5 seconds"), "key")
      .agg(count().as("count"), sum("value").as("sum"), avg("value").as("avg_value"))
      .writeStream.outputMode("append")
      .trigger({ processingTime: "1 second" });
    expectTypeOf(q.start).returns.resolves.toMatchTypeOf<
      StreamingQuery<{ window: WindowValue; key: number; count: number; sum: number | null; avg_value: number | null }>
    >();
  });

  it("rename, drop, dedup and stream-static joins: row types follow", () => {
    type Row<F> = F extends import("../src/index.js").StreamFrame<infer R extends object> ? R : never;
    const f = readStream(new MemoryStream(schema));
    const deduped = f.dropDuplicates(["id"]);
    expectTypeOf(deduped).toEqualTypeOf(f);
    const renamed = f.withColumnRenamed("ts", "eventTime").drop("source");
    expectTypeOf<Row<typeof renamed>>().toEqualTypeOf<{ id: number; value: number; eventTime: number }>();
    const table = skp.staticFrame([{ id: 1, country: "NL" }], struct({ id: int(), country: string() }));
    const inner = f.join(table, { on: "id" });
    expectTypeOf<Row<typeof inner>>().toEqualTypeOf<{ id: number; ts: number; value: number; source: string | null; country: string }>();
    const outer = f.join(table, { on: "id", type: "leftOuter" });
    expectTypeOf<Row<typeof outer>>().toEqualTypeOf<{
      id: number;
      ts: number;
      value: number;
      source: string | null;
      country: string | null;
    }>();
    // @ts-expect-error unknown column
    f.dropDuplicates(["nope"]);
    // @ts-expect-error unknown column
    f.drop("nope");
    // @ts-expect-error a key the table does not have
    f.join(table, { on: "value" });
  });

  it("stream-stream joins and union: row types follow the join type", () => {
    type Row<F> = F extends import("../src/index.js").StreamFrame<infer R extends object> ? R : never;
    const imps = readStream(new MemoryStream(struct({ adId: int(), impressionTime: timestamp(), page: string() })));
    const clicks = readStream(new MemoryStream(struct({ adId: int(), clickTime: timestamp() })));
    const timeRange = { left: "impressionTime", right: "clickTime", lower: "0 seconds", upper: "1 hour" } as const;
    const inner = imps.join(clicks, { on: "adId", timeRange });
    expectTypeOf<Row<typeof inner>>().toEqualTypeOf<{ adId: number; impressionTime: number; page: string; clickTime: number }>();
    const left = imps.join(clicks, { on: "adId", type: "leftOuter", timeRange });
    expectTypeOf<Row<typeof left>>().toEqualTypeOf<{ adId: number; impressionTime: number; page: string; clickTime: number | null }>();
    const right = imps.join(clicks, { on: "adId", type: "rightOuter", timeRange });
    expectTypeOf<Row<typeof right>>().toEqualTypeOf<{
      adId: number;
      impressionTime: number | null;
      page: string | null;
      clickTime: number;
    }>();
    const semi = imps.join(clicks, { on: "adId", type: "leftSemi", timeRange });
    expectTypeOf<Row<typeof semi>>().toEqualTypeOf<{ adId: number; impressionTime: number; page: string }>();
    expectTypeOf(imps.union(imps)).toEqualTypeOf(imps);
    // @ts-expect-error a time-range column the right side does not have
    imps.join(clicks, { on: "adId", timeRange: { ...timeRange, right: "page" } });
    // @ts-expect-error union with other columns
    imps.union(clicks);
  });
});
