/**
 * A small runnable skp job on the embedded MemoryStream: a simulated producer writes JSON events
 * `{ id, ts, value, source }` (every 0.2 s by default, like the seed's producer) as raw strings, the way
 * Kafka values arrive; the query parses them, keeps 10-second windows with a 30-second watermark and
 * prints the average value per id on the console in Spark's format, every 2 seconds.
 *
 *   RATE=5 IDS=5 DURATION=12 pnpm demo
 */
import { avg, consoleSink, count, double, int, MemoryStream, readStream, string, struct, timestamp, window } from "../src/index.js";

const RATE = Number(process.env.RATE ?? 5); // events per second
const IDS = Number(process.env.IDS ?? 5);
const DURATION_S = Number(process.env.DURATION ?? 12);

const schema = struct({ id: int(), ts: timestamp(), value: double(), source: string() });
const raw = new MemoryStream(struct({ value: string() }), { name: "events" });

const averages = readStream(raw)
  .parseJson(schema) // bad JSON → a row of nulls, counted in progress.numRowsMalformed
  .withWatermark("ts", "30 seconds")
  .groupBy(window("ts", "10 seconds"), "id")
  .agg(avg("value").as("avg_value"), count().as("events"));

const query = await averages.writeStream
  .outputMode("update")
  .trigger({ processingTime: "2 seconds" })
  .format(consoleSink({ truncate: false }))
  .start();

let sent = 0;
const producer = setInterval(() => {
  const event = { id: sent % IDS, ts: new Date().toISOString(), value: Math.round(Math.random() * 100_000) / 1000, source: "sim-producer" };
  // One malformed message in fifty, to show it is counted rather than crashing the job.
  raw.addData({ value: sent % 50 === 49 ? "{not json" : JSON.stringify(event) });
  sent++;
}, 1000 / RATE);

setTimeout(async () => {
  clearInterval(producer);
  await query.processAllAvailable();
  await query.stop();
  const all = query.recentProgress;
  const p = query.lastProgress;
  console.log(
    `sent ${sent} messages; processed ${all.reduce((n, x) => n + x.numInputRows, 0)} in ${all.length} batches; ` +
      `malformed ${all.reduce((n, x) => n + x.numRowsMalformed, 0)}; watermark ${p?.eventTime.watermark}; ` +
      `state rows ${p?.stateOperators[0]?.numRowsTotal}`,
  );
}, DURATION_S * 1000);
