import { count, long, MemoryStream, memorySink, readStream, struct, window } from "../src/index.js";

export const SEC = 1000;

/** Spark's EventTimeWatermarkSuite input: seconds → rows `{ value, eventTime }` with eventTime in ms. */
export function secondsInput() {
  const input = new MemoryStream(struct({ value: long() }));
  const frame = readStream(input).withColumn("eventTime", (r) => r.value * SEC);
  return { input, frame };
}

/** The windowed count used throughout Spark's watermark docs: 10 s watermark, 5 s windows. */
export function windowedCount(delay = "10 seconds", size = "5 seconds") {
  const { input, frame } = secondsInput();
  const agg = frame.withWatermark("eventTime", delay).groupBy(window("eventTime", size)).agg(count().as("count"));
  return { input, agg, sink: memorySink<{ window: { start: number; end: number }; count: number }>() };
}

/** Window rows as `[startSeconds, count]` pairs, for compact assertions. */
export const pairs = (rows: readonly { window: { start: number }; count: number }[]) => rows.map((r) => [r.window.start / SEC, r.count]);

/** Runs `frame` over `batches`, one micro-batch each (plus any due no-data batches), and stops. */
export async function runBatches<R extends object, I extends object>(
  input: { addData(rows: readonly I[]): unknown },
  frame: { writeStream: import("../src/index.js").DataStreamWriter<R> },
  batches: readonly (readonly I[])[],
  outputMode: "append" | "update" | "complete" = "append",
) {
  const sink = memorySink<R>();
  const q = await frame.writeStream.outputMode(outputMode).format(sink).start();
  for (const batch of batches) {
    input.addData(batch);
    await q.processAllAvailable();
  }
  const progress = q.recentProgress;
  await q.stop();
  return { sink, progress, query: q };
}

/** Splits `items` into consecutive chunks at the given cut points. */
export function splitAt<T>(items: readonly T[], cuts: readonly number[]): T[][] {
  const points = [...new Set(cuts.map((c) => c % (items.length + 1)))].sort((a, b) => a - b);
  const out: T[][] = [];
  let prev = 0;
  for (const p of points) {
    if (p > prev) out.push(items.slice(prev, p));
    prev = Math.max(prev, p);
  }
  if (prev < items.length) out.push(items.slice(prev));
  return out;
}

/** Sorted JSON lines: compares row multisets regardless of order. */
export const canonical = (rows: readonly unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
