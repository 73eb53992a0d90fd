import type { Admin } from "kafkajs";
import { kafkaErrors } from "../errors.js";
import type { KafkajsInternals } from "../fetch/kafkajs-internals.js";

/** The changelog topic of one stateful operator of a grouped query. */
export function changelogTopic(groupId: string, operator: string): string {
  return `${groupId}-${operator}-changelog`;
}

/**
 * Makes sure a changelog topic exists with at least `partitions` partitions (one per input partition).
 * Creates it with Kafka's CreateTopics — `cleanup.policy=compact`, the input's partition count — where
 * the broker offers it. A broker without CreateTopics (librdkafka's mock) creates it on a metadata
 * request instead, with its default partition count; a topic with too few partitions is a clear error.
 */
export async function ensureChangelog(
  admin: Admin,
  internals: KafkajsInternals | undefined,
  topic: string,
  partitions: number,
): Promise<number> {
  const existing = await ensureTopic(admin, internals, topic, partitions, "compact");
  if (existing < partitions) throw kafkaErrors.changelogTooSmall(topic, existing, partitions);
  return existing;
}

/**
 * Makes sure an internal topic exists: created with CreateTopics (`partitions`, `cleanup.policy`) where
 * the broker offers it, else auto-created by a metadata request; resolves to its partition count.
 */
export async function ensureTopic(
  admin: Admin,
  internals: KafkajsInternals | undefined,
  topic: string,
  partitions: number,
  cleanupPolicy: "compact" | "delete",
): Promise<number> {
  const existing = await partitionCount(admin, topic);
  if (existing > 0) return existing;
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, configEntries: [{ name: "cleanup.policy", value: cleanupPolicy }] }],
      waitForLeaders: true,
    });
  } catch (e) {
    if (!internals) throw kafkaErrors.changelogUncreatable(topic, e);
    await autoCreate(internals, topic);
  }
  return partitionCount(admin, topic);
}

async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const topics = new Set(await admin.listTopics());
  if (!topics.has(topic)) return 0;
  return (await admin.fetchTopicOffsets(topic)).length;
}

/** A metadata request that lets the broker create the topic (`auto.create.topics.enable`). */
async function autoCreate(internals: KafkajsInternals, topic: string): Promise<void> {
  const cluster = internals.createCluster({ isolationLevel: 1, allowAutoTopicCreation: true, metadataMaxAge: 300_000 });
  try {
    await cluster.connect();
    await cluster.addMultipleTargetTopics([topic]);
    await cluster.refreshMetadata();
  } finally {
    await cluster.disconnect().catch(() => {});
  }
}
