import type { Exchange, ExchangeLayout, ExchangeMessage, ExchangeRow, Source } from "@skp/core";
import type { Admin, Kafka, Producer } from "kafkajs";
import type { KafkajsInternals } from "../fetch/kafkajs-internals.js";
import { ensureTopic } from "./changelog-topics.js";

/** What the exchange needs of its source. */
export interface ExchangeHost {
  readonly kafka: Kafka;
  readonly internals: KafkajsInternals | undefined;
  readonly groupId: string;
  readonly input: string;
  /** A source reading `topic` in consumer group `groupId`, its state shards named after `namespace`. */
  reader(topic: string, groupId: string, namespace: string): Source<ExchangeRow, any>;
}

/**
 * The repartition topic of a stateful query (Kafka Streams' `-repartition` topics):
 * `<groupId>-<operator>-repartition`, created with the input's partition count and
 * `cleanup.policy=delete` (auto-created where the broker offers no CreateTopics: 4 partitions on
 * librdkafka's mock). The second stage reads it in consumer group `<groupId>-<operator>-repartition`,
 * with its state on `<groupId>-<operator>-repartition-changelog`. Writes wait for every replica
 * (`acks=-1`), in order per partition: one send at a time.
 */
export class KafkaExchange implements Exchange {
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  private topic: string | undefined;
  private source: Source<ExchangeRow, any> | undefined;

  constructor(private readonly host: ExchangeHost) {}

  async open(name: string): Promise<ExchangeLayout> {
    const { kafka, internals, groupId, input } = this.host;
    const topic = `${groupId}-${name}-repartition`;
    this.topic = topic;
    const admin = kafka.admin();
    this.admin = admin;
    await admin.connect();
    const inputs = (await admin.fetchTopicOffsets(input)).length;
    const partitions = await ensureTopic(admin, internals, topic, inputs, "delete");
    this.producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
    await this.producer.connect();
    return { partitions, inputs };
  }

  async write(messages: readonly ExchangeMessage[]): Promise<void> {
    const topic = this.topic as string;
    await this.producer?.sendBatch({
      topicMessages: [{ topic, messages: messages.map((m) => ({ partition: m.partition, key: m.key, value: Buffer.from(m.value) })) }],
      acks: -1,
    });
  }

  reader(): Source<ExchangeRow, any> {
    const topic = this.topic as string;
    this.source ??= this.host.reader(topic, topic, this.host.groupId);
    return this.source;
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => {});
    await this.admin?.disconnect().catch(() => {});
  }
}
