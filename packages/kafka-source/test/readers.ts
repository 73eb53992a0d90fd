import type { Kafka } from "kafkajs";
import { FetchReader } from "../src/fetch/fetch-reader.js";
import { kafkajsInternals } from "../src/fetch/kafkajs-internals.js";
import type { OffsetReader } from "../src/kafka-row.js";
import { RangeReader } from "../src/range-reader.js";

/** Both readers, by their `reader` option's name, made for `topic` with a 15 s stall timeout: for `describe.each`. */
export function bothReaders(kafka: () => Kafka): [string, (topic: string) => OffsetReader][] {
  return [
    ["fetch", (topic) => new FetchReader(kafkajsInternals(kafka())!, [topic], 15_000)],
    ["consumer", (topic) => new RangeReader(kafka(), [topic], `reader-${crypto.randomUUID()}`, 15_000)],
  ];
}

/** The rows' values as text. */
export const values = (rows: { value: Uint8Array | null }[]) => rows.map((r) => Buffer.from(r.value!).toString());
