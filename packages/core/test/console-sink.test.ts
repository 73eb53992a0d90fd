import { describe, expect, it } from "vitest";
import { avg, consoleSink, double, int, MemoryStream, readStream, string, struct, timestamp, window } from "../src/index.js";

describe("consoleSink", () => {
  it("prints Spark's Batch header and table, windows as {start, end} in UTC", async () => {
    const lines: string[] = [];
    const input = new MemoryStream(struct({ id: int(), ts: timestamp(), value: double() }));
    const agg = readStream(input).groupBy(window("ts", "10 seconds"), "id").agg(avg("value").as("avg_value"));
    const q = await agg.writeStream
      .outputMode("update")
      .format(consoleSink({ print: (t) => lines.push(t) }))
      .start();
    const t0 = Date.parse("2025-11-06T07:00:00Z");
    input.addData({ id: 3, ts: t0 + 1_000, value: 40 }, { id: 3, ts: t0 + 2_000, value: 50.564 }, { id: 1, ts: t0 + 12_000, value: 58 });
    await q.processAllAvailable();
    await q.stop();
    expect(lines[0]).toBe(
      [
        "-------------------------------------------",
        "Batch: 0",
        "-------------------------------------------",
        "+--------------------+---+---------+",
        "|              window| id|avg_value|",
        "+--------------------+---+---------+",
        "|{2025-11-06 07:00...|  3|   45.282|",
        "|{2025-11-06 07:00...|  1|     58.0|",
        "+--------------------+---+---------+",
        "",
      ].join("\n"),
    );
  });

  it("with truncate false, shows full cells left-aligned; limits rows to numRows", async () => {
    const lines: string[] = [];
    const input = new MemoryStream(struct({ s: string().nullable(), ts: timestamp() }));
    const sink = consoleSink({ truncate: false, numRows: 2, print: (t) => lines.push(t) });
    const q = await readStream(input).writeStream.format(sink).start();
    input.addData({ s: "a fairly long string value here", ts: 1_500 }, { s: null, ts: 0 }, { s: "x", ts: 0 });
    await q.processAllAvailable();
    await q.stop();
    expect(lines[0]).toContain("|a fairly long string value here|1970-01-01 00:00:01.5|");
    expect(lines[0]).toContain("|null                           |1970-01-01 00:00:00  |");
    expect(lines[0]).toContain("only showing top 2 rows");
  });
});
