import type { Consumer, Kafka } from "kafkajs";

/**
 * A member of the user's consumer group that reads nothing: it exists so that offsets committed by skp
 * show up in the group (for lag tools such as `kafka-consumer-groups`), and it reports which partitions
 * the group assigned to this process.
 */
export class GroupMember {
  private consumer: Consumer | undefined;
  assigned: Record<string, number[]> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: readonly string[],
    private readonly groupId: string,
  ) {}

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    this.consumer = consumer;
    await consumer.connect();
    for (const topic of this.topics) await consumer.subscribe({ topic });
    const joined = new Promise<void>((resolve) =>
      consumer.on(consumer.events.GROUP_JOIN, (e) => {
        this.assigned = e.payload.memberAssignment;
        resolve();
      }));
    await consumer.run({
      autoCommit: false,
      // Never consume: whatever is fetched before the pause below takes effect is left alone.
      eachBatch: async ({ batch, pause }) => { void batch; pause(); },
    });
    consumer.pause(this.topics.map((topic) => ({ topic })));
    await joined;
  }

  /** Commits offsets (next offset to read, per partition) to the group. */
  async commit(offsets: { topic: string; partition: number; offset: string }[]): Promise<void> {
    await this.consumer!.commitOffsets(offsets);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => {});
  }
}
