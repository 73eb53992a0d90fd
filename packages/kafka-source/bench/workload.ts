/**
 * The Kafka benchmarks' shared workload: a 3-partition topic of JSON events `{ id, ts, value }` (ts 5 ms
 * apart), and the windowed query over it — parse, 30 s watermark, 10 s windows by id, avg, update mode.
 */
import type { Source, StreamingQueryProgress } from "@skp/core";
import { avg, double, int, memorySink, readStream, string, struct, timestamp, window } from "@skp/core";
import type { KafkaSourceOptions } from "../src/index.js";
import { kafkaSource } from "../src/index.js";
import type { Broker } from "../test/mock-broker.js";
import { produceEvents, startBroker } from "../test/mock-broker.js";

/** Starts the broker (mock cluster, or KAFKA_BROKERS) and fills a new 3-partition topic. */
export async function benchTopic(prefix: string, events: number, ids: number): Promise<{ broker: Broker; topic: string }> {
  const broker = await startBroker();
  const topic = `${prefix}-${Date.now()}`;
  await broker.createTopic(topic, 3);
  const t0 = Date.parse("2025-11-06T07:00:00Z");
  console.log(`producing ${events.toLocaleString("en-US")} events...`);
  await produceEvents(
    broker.kafka,
    topic,
    Array.from({ length: events }, (_, i) => ({ id: i % ids, ts: new Date(t0 + i * 5).toISOString(), value: (i % 1000) / 10 })),
  );
  return { broker, topic };
}

/** The benchmarks' query over a Kafka source: parse, watermark, 10 s windows by id, average. */
export function windowedAverage(source: Source<any, any>) {
  return readStream(source)
    .parseJson(struct({ id: int(), ts: timestamp(), value: double(), source: string() }), { mode: "dropMalformed" })
    .withWatermark("ts", "30 seconds")
    .groupBy(window("ts", "10 seconds"), "id")
    .agg(avg("value").as("avg_value"));
}

/**
 * Runs the windowed query over the whole topic (update mode, into a memory sink) and times it from its
 * first read of the input (after connecting and, grouped, joining the group) until everything was
 * processed. A repartitioned query's first stage reads only once its second stage has joined its own
 * group and asked for offsets, so both are timed from their first batch, not from their start-up.
 */
export async function timeWindowed(
  broker: Broker,
  topic: string,
  options: Partial<KafkaSourceOptions>,
): Promise<{ ms: number; input: number; output: number; progress: readonly StreamingQueryProgress[] }> {
  const sink = memorySink();
  const source = kafkaSource({ brokers: broker.brokers, topic, startingOffsets: "earliest", logLevel: "nothing", ...options });
  let firstRead: number | undefined;
  let secondStageUp = () => {};
  const secondStage = options.groupId && !options.coPartitioned ? new Promise<void>((r) => (secondStageUp = r)) : Promise.resolve();
  const exchange = source.exchange?.bind(source);
  if (exchange)
    source.exchange = () => {
      const ex = exchange();
      if (!ex) return ex;
      const reader = ex.reader.bind(ex);
      ex.reader = () => {
        const r = reader();
        const latest = r.latestOffset.bind(r);
        r.latestOffset = (start, limit) => {
          secondStageUp();
          return latest(start, limit);
        };
        return r;
      };
      return ex;
    };
  const getBatch = source.getBatch.bind(source);
  source.getBatch = async (start, end) => {
    await secondStage;
    firstRead ??= performance.now();
    return getBatch(start, end);
  };
  const q = await windowedAverage(source).writeStream.outputMode("update").format(sink).start();
  await q.processAllAvailable();
  const ms = performance.now() - (firstRead ?? performance.now());
  const progress = q.recentProgress;
  await q.stop();
  return { ms, input: progress.reduce((n, p) => n + p.numInputRows, 0), output: sink.rows.length, progress };
}
