import type { PartitionAssigner } from "kafkajs";
import { Kafka, logLevel, PartitionAssigners } from "kafkajs";
import { startMockKafka } from "../../../tools/mock-kafka/mock-kafka.js";

export interface Broker {
  brokers: string[];
  /** Creates a topic (on the mock through the shim; on a real cluster through the admin API). */
  createTopic(name: string, partitions: number): Promise<void>;
  /** Mock only: why the mock cluster process is gone (it aborts on librdkafka assertions), or undefined. */
  ended(): string | undefined;
  /** Mock only: takes broker 1 down or up. */
  setDown(down: boolean): Promise<void>;
  /** Mock only: moves a partition's leadership to another broker (ids 1..brokers). */
  setLeader(topic: string, partition: number, broker: number): Promise<void>;
  kafka: Kafka;
  stop(): Promise<void>;
}

/**
 * A Kafka for a test file: `KAFKA_BROKERS` (a real cluster) when set, otherwise librdkafka's mock
 * cluster — a real Kafka protocol implementation — started through the shim in tools/mock-kafka.
 */
export async function startBroker(options: { brokers?: number } = {}): Promise<Broker> {
  const real = process.env.KAFKA_BROKERS;
  if (real) {
    const brokers = real.split(",");
    const kafka = new Kafka({ clientId: "skp-test", brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    return {
      brokers,
      kafka,
      async createTopic(name, partitions) {
        await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions }], waitForLeaders: true });
      },
      ended: () => undefined,
      async setDown() {
        throw new Error("broker outages can only be simulated on the mock cluster");
      },
      async setLeader() {
        throw new Error("leader changes can only be simulated on the mock cluster");
      },
      async stop() {
        await admin.disconnect();
      },
    };
  }
  const mock = await startMockKafka([], options.brokers);
  const brokers = mock.brokers;
  return {
    brokers,
    kafka: new Kafka({ clientId: "skp-test", brokers, logLevel: logLevel.NOTHING }),
    ended: () => mock.ended(),
    createTopic: (name, partitions) => mock.command(`topic ${name} ${partitions}`),
    setDown: (down) => mock.command(`${down ? "down" : "up"} 1`),
    setLeader: (topic, partition, id) => mock.command(`leader ${topic} ${partition} ${id}`),
    stop: () => mock.stop(),
  };
}

/** Produces JSON events `{ id, ts, value, source }` keyed by id, in batches. */
export async function produceEvents(
  kafka: Kafka,
  topic: string,
  events: { id: number; ts: string | number; value: number; source?: string }[],
): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  for (let i = 0; i < events.length; i += 1_000) {
    await producer.send({
      topic,
      messages: events.slice(i, i + 1_000).map((e) => ({ key: String(e.id), value: JSON.stringify({ source: "test", ...e }) })),
    });
  }
  await producer.disconnect();
}

export function produceRaw(kafka: Kafka, topic: string, values: (string | null)[], partition?: number) {
  return (async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: values.map((value) => ({ value, partition })) });
    await producer.disconnect();
  })();
}

/**
 * kafkajs' round robin, but the group leader hands in its assignment a second late. librdkafka's mock
 * cluster (unlike Kafka) completes a rebalance as soon as the leader's SyncGroup assigns every member,
 * and answers INVALID_REQUEST to a follower whose SyncGroup arrives after that; the follower's
 * consumer then crashes and rejoins as a new member, the old one lingers until its session times out,
 * and the group rebalances again and again (once, that churn ended in the mock aborting on an
 * assertion). Waiting lets the followers' SyncGroup arrive first, as they do on a real broker anyway.
 */
export const leaderSyncsLast: PartitionAssigner = (config) => {
  const roundRobin = PartitionAssigners.roundRobin(config);
  return {
    ...roundRobin,
    name: "RoundRobinLeaderSyncsLast",
    async assign(group) {
      await new Promise((r) => setTimeout(r, 1_000));
      return roundRobin.assign(group);
    },
  };
};
