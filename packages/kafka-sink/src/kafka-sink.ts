import type { BatchInfo, Sink } from "@skp/core";
import { errorMessage, SkpError } from "@skp/core";
import type { Admin, Kafka, Message, Producer } from "kafkajs";
import { Kafka as KafkaClient, logLevel } from "kafkajs";
import type { RecordEncoding } from "./records.js";
import { encoder } from "./records.js";

export interface KafkaSinkOptions extends RecordEncoding {
  /** Bootstrap servers, or a kafkajs `client`. */
  brokers?: string[];
  client?: Kafka;
  topic: string;
  /**
   * `"auto"` (default): exactly-once through Kafka transactions where the broker offers them, else
   * at-least-once. `"exactlyOnce"`: fail at the first batch if transactions are not available.
   * `"atLeastOnce"`: never use transactions.
   */
  delivery?: "auto" | "exactlyOnce" | "atLeastOnce";
  clientId?: string;
}

export type DeliveryMode = "exactly-once" | "at-least-once (idempotent producer)" | "at-least-once";

/** Messages per `send` (each one Kafka request; a batch of any size is cut into these). */
const CHUNK = 2_000;

/**
 * Writes a query's rows (or a side output: dead letters, late rows) to a Kafka topic.
 *
 * Exactly-once, for `read_committed` consumers, through a Kafka transaction per batch: the messages
 * and the batch id (as the committed offset of a consumer group `skp-sink-<queryId>-<topic>`) commit
 * together, under one transactional id per query and sink (`skp-<queryId>-<topic>`: a restarted query
 * fences the one it replaces). A batch replayed after a crash finds its id committed and is skipped.
 * Where the broker offers no transactions (librdkafka's mock cluster), at-least-once: every message of
 * batch *n* is acknowledged by every replica before the batch counts as written, and carries
 * `skp-query-id` and `skp-batch-id` headers, so a consumer can drop a batch written twice (a crash
 * between the sink and the checkpoint's commit replays it). The mode in force is in the sink's
 * description (`progress.sink.description`).
 */
export class KafkaSink implements Sink<object> {
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private mode: DeliveryMode | undefined;
  private group = "";
  private opening: Promise<void> | undefined;

  constructor(private readonly options: KafkaSinkOptions) {}

  get description(): string {
    return `KafkaSink[${this.options.topic}${this.mode ? `, ${this.mode}` : ""}]`;
  }

  /** The delivery mode in force (known after the first batch). */
  get delivery(): DeliveryMode | undefined {
    return this.mode;
  }

  async addBatch(batchId: number, rows: readonly object[], info: BatchInfo): Promise<void> {
    await (this.opening ??= this.open(info.queryId).catch((e) => {
      this.opening = undefined;
      throw e;
    }));
    const producer = this.producer as Producer;
    const encode = encoder(this.options, batchId, info);
    const messages = rows.map(encode);
    const { topic } = this.options;
    if (this.mode !== "exactly-once") {
      for (let i = 0; i < messages.length; i += CHUNK) await producer.send({ topic, messages: messages.slice(i, i + CHUNK), acks: -1 });
      return;
    }
    if ((await this.committedThrough()) >= batchId) return; // a replay of a batch the topic already has
    const tx = await producer.transaction();
    try {
      for (let i = 0; i < messages.length; i += CHUNK) await tx.send({ topic, messages: messages.slice(i, i + CHUNK) });
      await tx.sendOffsets({
        consumerGroupId: this.group,
        topics: [{ topic, partitions: [{ partition: 0, offset: String(batchId + 1) }] }],
      });
      await tx.commit();
    } catch (e) {
      await tx.abort().catch(() => {});
      throw e;
    }
  }

  async stop(): Promise<void> {
    await this.producer?.disconnect().catch(() => {});
    await this.admin?.disconnect().catch(() => {});
    this.producer = undefined;
    this.admin = undefined;
    this.opening = undefined;
  }

  private kafka(): Kafka {
    const o = this.options;
    if (o.client) return o.client;
    if (!o.brokers?.length) throw sinkError("KAFKA_SINK_OPTIONS", "kafkaSink needs brokers or a kafkajs client");
    return new KafkaClient({ clientId: o.clientId ?? "skp-sink", brokers: o.brokers, logLevel: logLevel.NOTHING });
  }

  /** Connects with the strongest delivery the broker supports (and the options allow). */
  private async open(queryId: string): Promise<void> {
    const { topic, delivery = "auto" } = this.options;
    const kafka = this.kafka();
    this.group = `skp-sink-${queryId}-${topic}`;
    const attempts: [DeliveryMode, () => Producer][] = [];
    if (delivery !== "atLeastOnce")
      attempts.push([
        "exactly-once",
        () => kafka.producer({ transactionalId: `skp-${queryId}-${topic}`, idempotent: true, maxInFlightRequests: 1 }),
      ]);
    if (delivery !== "exactlyOnce") {
      attempts.push(["at-least-once (idempotent producer)", () => kafka.producer({ idempotent: true, maxInFlightRequests: 1 })]);
      attempts.push(["at-least-once", () => kafka.producer({ allowAutoTopicCreation: false })]);
    }
    const failures: string[] = [];
    for (const [mode, make] of attempts) {
      const producer = make();
      try {
        await producer.connect();
        // A transactional or idempotent producer gets its producer id lazily: ask for it now.
        if (mode === "exactly-once") await (await producer.transaction()).abort();
        else if (mode !== "at-least-once") await producer.send({ topic, messages: [], acks: -1 });
        this.producer = producer;
        this.mode = mode;
        break;
      } catch (e) {
        failures.push(`${mode}: ${errorMessage(e)}`);
        await producer.disconnect().catch(() => {});
      }
    }
    if (!this.producer) throw sinkError("KAFKA_SINK_UNAVAILABLE", `kafkaSink could not write to "${topic}" (${failures.join("; ")})`);
    if (this.mode === "exactly-once") {
      this.admin = kafka.admin();
      await this.admin.connect();
    }
  }

  /** The last batch id committed with a transaction (−1: none). */
  private async committedThrough(): Promise<number> {
    const { topic } = this.options;
    const [entry] = await (this.admin as Admin).fetchOffsets({ groupId: this.group, topics: [topic] });
    const offset = Number(entry?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
    return offset > 0 ? offset - 1 : -1;
  }
}

export type KafkaSinkErrorCode = "KAFKA_SINK_OPTIONS" | "KAFKA_SINK_UNAVAILABLE";

function sinkError(code: KafkaSinkErrorCode, message: string): SkpError<KafkaSinkErrorCode> {
  return new SkpError(code, message);
}

/**
 * A sink writing to a Kafka topic (see `KafkaSink`); also the target of side outputs: `parseJson(...,
 * { mode: "quarantine", deadLetters: kafkaSink(...) })`, `withWatermark(col, delay, { lateRows })`.
 *
 * @example
 * frame.writeStream.format(kafkaSink({ brokers: ["localhost:9092"], topic: "events-avg", key: "id" })).start();
 */
export function kafkaSink(options: KafkaSinkOptions): KafkaSink {
  if (typeof options?.topic !== "string" || options.topic === "") throw sinkError("KAFKA_SINK_OPTIONS", "kafkaSink needs a topic");
  return new KafkaSink(options);
}

export type { Message };
