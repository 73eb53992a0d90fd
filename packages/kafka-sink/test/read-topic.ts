import { memorySink, readStream } from "@skp/core";
import { kafkaSource } from "../../kafka-source/src/index.js";
import type { Broker } from "../../kafka-source/test/mock-broker.js";

export interface ReadMessage {
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string | null>;
  partition: number;
  offset: number;
}

/** Every message of a topic now, through skp's own Kafka source. */
export async function readTopic(broker: Broker, topic: string): Promise<ReadMessage[]> {
  const sink = memorySink<{
    key: Uint8Array | null;
    value: Uint8Array | null;
    headers: Record<string, string | null>;
    partition: number;
    offset: number;
  }>();
  const q = await readStream(kafkaSource({ brokers: broker.brokers, topic, startingOffsets: "earliest" }))
    .writeStream.trigger({ availableNow: true })
    .format(sink)
    .start();
  await q.awaitTermination();
  return sink.rows.map((r) => ({
    key: r.key ? Buffer.from(r.key).toString() : null,
    value: r.value ? Buffer.from(r.value) : null,
    headers: r.headers,
    partition: r.partition,
    offset: r.offset,
  }));
}
