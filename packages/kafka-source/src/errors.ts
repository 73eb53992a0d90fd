import { errorMessage, errorOf } from "@skp/core";

const error = errorOf<KafkaErrorCode>();

/** The codes of the errors this package raises. */
export type KafkaErrorCode =
  | "KAFKA_BAD_OPTION"
  | "KAFKA_CHANGELOG"
  | "KAFKA_CHECKPOINT_MODE"
  | "KAFKA_CLAIM_UNCERTAIN"
  | "KAFKA_CLAIM_UNKNOWN"
  | "KAFKA_DATA_LOSS"
  | "KAFKA_FETCH_TIMEOUT"
  | "KAFKA_GROUP_JOIN_TIMEOUT"
  | "KAFKA_NO_BROKERS"
  | "KAFKA_NOT_OPEN"
  | "KAFKA_NO_TOPIC"
  | "KAFKA_STOPPED"
  | "KAFKA_UNKNOWN_TOPIC"
  | "KAFKA_UNREACHABLE";

/** Errors of the Kafka source, each naming the topic, partition or option at fault and what to do. */
export const kafkaErrors = {
  noTopics: () => error("KAFKA_NO_TOPIC", 'kafkaSource needs a topic: pass { topic: "events" } or { topics: ["a", "b"] }.'),
  noBrokers: () => error("KAFKA_NO_BROKERS", 'kafkaSource needs { brokers: ["host:9092"] } or an existing KafkaJS-compatible { client }.'),
  unreachable: (brokers: string, cause: unknown) =>
    error(
      "KAFKA_UNREACHABLE",
      `Kafka at ${brokers} is unreachable after retrying: ${errorMessage(cause)}. Check the brokers option and that Kafka is running.`,
      { cause },
    ),
  unknownTopic: (topic: string) =>
    error("KAFKA_UNKNOWN_TOPIC", `Topic "${topic}" does not exist (or has no partitions). Create it first (e.g. with 3 partitions).`),
  badStartingOffsets: (value: unknown) =>
    error(
      "KAFKA_BAD_OPTION",
      `Invalid startingOffsets ${JSON.stringify(value)}: use "earliest", "latest", or { "<topic>": { "<partition>": <offset> } } (-2 = earliest, -1 = latest).`,
    ),
  badOption: (option: string, value: unknown, expected: string) =>
    error("KAFKA_BAD_OPTION", `kafkaSource option "${option}" has invalid value ${JSON.stringify(value)}: expected ${expected}.`),
  dataLoss: (topic: string, partition: number, from: number, available: number) =>
    error(
      "KAFKA_DATA_LOSS",
      `Partition ${topic}-${partition}: offsets ${from}..${available - 1} are no longer available (earliest is now ${available}; deleted by retention or the topic was recreated). ` +
        "Set failOnDataLoss: false to skip missing offsets (they are counted in progress metrics).",
    ),
  offsetsWentBack: (topic: string, partition: number, from: number, latest: number) =>
    error(
      "KAFKA_DATA_LOSS",
      `Partition ${topic}-${partition}: the checkpoint is at offset ${from} but the partition ends at ${latest}; was the topic deleted and recreated? ` +
        "Set failOnDataLoss: false to continue from the partition's current offsets.",
    ),
  fetchStalled: (topic: string, partition: number, at: number, end: number, ms: number, cause?: unknown) =>
    error(
      "KAFKA_FETCH_TIMEOUT",
      `Reading ${topic}-${partition} made no progress for ${ms} ms at offset ${at} (needed up to ${end - 1}). Is the broker reachable?` +
        (cause ? ` Last error: ${errorMessage(cause)}` : ""),
      cause ? { cause } : undefined,
    ),
  offsetOutOfRange: (topic: string, partition: number, at: number) =>
    error(
      "KAFKA_DATA_LOSS",
      `Partition ${topic}-${partition}: offset ${at} is out of range on the broker while reading it (deleted by retention just now, or the topic was recreated). ` +
        "The query fails; restarted, it replays the batch, and with failOnDataLoss: false the missing offsets are then skipped and counted.",
    ),
  uncertainClaim: (groupId: string, partitions: string[]) =>
    error(
      "KAFKA_CLAIM_UNCERTAIN",
      `Group "${groupId}" rebalanced while this query was claiming ${partitions.join(", ")}; whether the claim counted for the old or new assignment cannot be told. ` +
        "The query stops rather than risk reading a range another process also reads; restart it (the checkpoint resolves the claim).",
    ),
  claimUnresolvable: (topic: string, partition: number, claim: string) =>
    error(
      "KAFKA_CLAIM_UNKNOWN",
      `Partition ${topic}-${partition}: cannot tell whether this query's claim ${claim} landed — the group's offset metadata no longer mentions it or its predecessor ` +
        "(more than 32 owner changes since, or the group's offsets were reset by another tool). Inspect the group's offsets before restarting with a new checkpoint.",
    ),
  /** A read in flight when the source stops (e.g. a prefetch) ends with this instead of waiting for its stall timeout. */
  stopped: () => error("KAFKA_STOPPED", "the Kafka source was stopped"),
  changelogUncreatable: (topic: string, cause: unknown) =>
    error(
      "KAFKA_CHANGELOG",
      `Cannot create the changelog topic "${topic}": ${errorMessage(cause)}. Create it (compacted, with at least as many partitions as the input topic) and grant this client Read and Write on it; see docs/scale-out.md.`,
      { cause },
    ),
  changelogTooSmall: (topic: string, has: number, needs: number) =>
    error(
      "KAFKA_CHANGELOG",
      `The changelog topic "${topic}" has ${has} partitions but the input has ${needs}: every input partition needs its own. Recreate it with ${needs} or more partitions (cleanup.policy=compact).`,
    ),
  commitMissing: (topic: string, partition: number, token: string, found: string | undefined) =>
    error(
      "KAFKA_CHANGELOG",
      `The changelog ${topic}-${partition} ends with batch ${found ?? "(none)"}, but the group's offsets say batch ${token} came last: the state cannot be restored. Was the changelog deleted or recreated? See docs/scale-out.md.`,
    ),
  changelogTruncated: (topic: string, partition: number, low: number) =>
    error(
      "KAFKA_CHANGELOG",
      `The changelog ${topic}-${partition} starts at offset ${low} (older records were deleted) and holds no snapshot since: the state cannot be restored. Use cleanup.policy=compact (not delete) for changelog topics; see docs/scale-out.md.`,
    ),
  statefulTopics: (topics: readonly string[]) =>
    error(
      "KAFKA_BAD_OPTION",
      `A stateful query with groupId reads one topic (its partitions are the state's shards), not ${topics.length} (${topics.join(", ")}).`,
    ),
  notOpen: () =>
    error("KAFKA_NOT_OPEN", "the Kafka source is not open: a query opens it when it starts (call open() first when driving it by hand)."),
  groupJoinTimeout: (groupId: string, ms: number) =>
    error(
      "KAFKA_GROUP_JOIN_TIMEOUT",
      `Could not join consumer group "${groupId}" within ${ms / 1000} s. Is the group coordinator reachable, and are other members stuck?`,
    ),
  modeChanged: (withGroup: boolean) =>
    error(
      "KAFKA_CHECKPOINT_MODE",
      withGroup
        ? "This checkpoint was written without groupId (the query read every partition); it cannot continue as a member of a group. Start the grouped query with a new checkpointLocation."
        : "This checkpoint was written with groupId (partitions split across processes); it cannot continue without it. Pass the same groupId, or start with a new checkpointLocation.",
    ),
};
