import { MemoryStream, long, readStream, struct, window, count, memorySink } from "../src/index.js";

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
  const agg = frame
    .withWatermark("eventTime", delay)
    .groupBy(window("eventTime", size))
    .agg(count().as("count"));
  return { input, agg, sink: memorySink<{ window: { start: number; end: number }; count: number }>() };
}

/** Window rows as `[startSeconds, count]` pairs, for compact assertions. */
export const pairs = (rows: readonly { window: { start: number }; count: number }[]) =>
  rows.map((r) => [r.window.start / SEC, r.count]);
