import type { KafkaConfig, PartitionAssigner } from "kafkajs";
import { Kafka, logLevel as kafkaLogLevel } from "kafkajs";
import { kafkaErrors } from "./errors.js";
import type { KafkaOffsets } from "./offsets.js";

export interface KafkaSourceOptions {
  /** Bootstrap brokers, e.g. `["localhost:9092"]`. Or pass `client`. */
  brokers?: string[];
  /** An existing KafkaJS-compatible client (kafkajs `new Kafka(...)`, or Confluent's KafkaJS-compatible one). */
  client?: Kafka;
  /** Topic to read; or `topics` for several. */
  topic?: string;
  topics?: string[];
  /**
   * Where a NEW query starts (a query with a checkpoint resumes from it instead): `"earliest"`,
   * `"latest"` (default, as Spark), or per partition `{ "events": { "0": 42, "1": -2 } }` (-2 earliest, -1 latest).
   */
  startingOffsets?: "earliest" | "latest" | KafkaOffsets;
  /** At most this many offsets per batch, split across partitions by backlog. */
  maxOffsetsPerTrigger?: number;
  /** Fail when offsets to read were deleted (retention) or went back. Default true; false skips and counts them. */
  failOnDataLoss?: boolean;
  /**
   * Consumer group to join. Processes running the same query with the same `groupId` split the
   * partitions between them (each with its own checkpoint) and hand them over on rebalance without
   * losing or repeating a row; see docs/kafka-source.md#scale-out. Committed offsets also show
   * progress to lag tools. Without it, the query reads every partition itself.
   */
  groupId?: string;
  /**
   * With `groupId` and a stateful query: declares that every row of a group arrives through one
   * partition (messages keyed by the grouping columns), so each partition's shard aggregates its own
   * rows and the repartition through `<groupId>-aggregate-<id>-repartition` is skipped. Default false:
   * rows are repartitioned by grouping key, which is correct whatever the messages are keyed by.
   */
  coPartitioned?: boolean;
  /** Group session timeout: how long a process that died keeps its partitions. Default 30 s (kafkajs'). */
  sessionTimeoutMs?: number;
  /**
   * With `groupId`: how the group leader splits partitions between processes (kafkajs
   * `partitionAssigners`). Default kafkajs' round robin. Every process of a group must offer a common one.
   */
  partitionAssigners?: PartitionAssigner[];
  /** Client id for brokers' logs and quotas. Default `skp`. */
  clientId?: string;
  /** Connection retries before a clear error (exponential backoff from 300 ms). Default 5. */
  retries?: number;
  /** A partition read that makes no progress for this long fails the batch. Default 30 s. */
  fetchTimeoutMs?: number;
  /**
   * How long a broker may hold the fetch that watches an idle query's partitions (Kafka's long poll;
   * the consumer's `fetch.max.wait.ms`). A broker answers it the moment data arrives, which starts the
   * next batch at once; the wait only bounds how often an idle query asks. Default 500 ms; 0 turns the
   * watch off (the query then checks the brokers' offsets every `pollInterval`). With the `"fetch"` reader.
   */
  fetchMaxWaitMs?: number;
  /**
   * Read the next batch's offsets (at most this many, or `maxOffsetsPerTrigger` if smaller) while the
   * current batch is processed. Default 50,000; 0 turns prefetching off.
   */
  prefetchOffsets?: number;
  /**
   * How records are fetched. `"fetch"` (the default with a kafkajs client): skp sends Fetch requests
   * through kafkajs' connections and decodes record batches straight into rows — no consumer group is
   * joined to read. `"consumer"` (the default, and the only choice, for other KafkaJS-compatible
   * clients): a consumer in a private group, each range read by seeking and pausing.
   */
  reader?: "fetch" | "consumer";
  /** kafkajs log level. Default `"error"`. */
  logLevel?: "nothing" | "error" | "warn" | "info" | "debug";
}

const LOG_LEVELS = {
  nothing: kafkaLogLevel.NOTHING,
  error: kafkaLogLevel.ERROR,
  warn: kafkaLogLevel.WARN,
  info: kafkaLogLevel.INFO,
  debug: kafkaLogLevel.DEBUG,
};

/** The options after validation and defaults: what the source runs with. */
export interface ResolvedOptions {
  readonly topics: readonly string[];
  readonly kafka: Kafka;
  /** Where the brokers are, for error messages. */
  readonly where: string;
  readonly startingOffsets: "earliest" | "latest" | KafkaOffsets;
  readonly maxOffsetsPerTrigger: number | undefined;
  readonly failOnDataLoss: boolean;
  readonly groupId: string | undefined;
  readonly coPartitioned: boolean;
  readonly retries: number;
  readonly fetchTimeoutMs: number;
  readonly fetchMaxWaitMs: number;
  readonly prefetchOffsets: number;
  readonly sessionTimeoutMs: number;
  readonly partitionAssigners: PartitionAssigner[] | undefined;
  readonly reader: "fetch" | "consumer" | undefined;
}

/** Checks every option (a clear error names the one at fault) and applies the defaults. */
export function resolveOptions(options: KafkaSourceOptions): ResolvedOptions {
  const topics = [...(options.topics ?? []), ...(options.topic ? [options.topic] : [])];
  if (topics.length === 0) throw kafkaErrors.noTopics();
  if (!options.client && !options.brokers?.length) throw kafkaErrors.noBrokers();
  const {
    startingOffsets = "latest",
    maxOffsetsPerTrigger,
    failOnDataLoss = true,
    groupId,
    retries = 5,
    fetchTimeoutMs = 30_000,
    fetchMaxWaitMs = 500,
    prefetchOffsets = 50_000,
    sessionTimeoutMs = 30_000,
  } = options;
  if (maxOffsetsPerTrigger !== undefined && !(Number.isInteger(maxOffsetsPerTrigger) && maxOffsetsPerTrigger > 0)) {
    throw kafkaErrors.badOption("maxOffsetsPerTrigger", maxOffsetsPerTrigger, "a positive integer");
  }
  if (
    typeof startingOffsets !== "string"
      ? typeof startingOffsets !== "object" || startingOffsets === null
      : !["earliest", "latest"].includes(startingOffsets)
  ) {
    throw kafkaErrors.badStartingOffsets(startingOffsets);
  }
  if (!(Number.isInteger(fetchMaxWaitMs) && fetchMaxWaitMs >= 0)) {
    throw kafkaErrors.badOption("fetchMaxWaitMs", fetchMaxWaitMs, "a whole number of milliseconds, 0 or more");
  }
  if (options.reader !== undefined && options.reader !== "fetch" && options.reader !== "consumer")
    throw kafkaErrors.badOption("reader", options.reader, '"fetch" or "consumer"');
  const config: KafkaConfig = {
    clientId: options.clientId ?? "skp",
    brokers: options.brokers ?? [],
    logLevel: LOG_LEVELS[options.logLevel ?? "error"],
    retry: { retries, initialRetryTime: 300 },
  };
  return {
    topics,
    kafka: options.client ?? new Kafka(config),
    where: options.brokers?.join(",") ?? "the given client",
    startingOffsets,
    maxOffsetsPerTrigger,
    failOnDataLoss,
    groupId,
    coPartitioned: options.coPartitioned === true,
    retries,
    fetchTimeoutMs,
    fetchMaxWaitMs,
    prefetchOffsets,
    sessionTimeoutMs,
    partitionAssigners: options.partitionAssigners,
    reader: options.reader,
  };
}
