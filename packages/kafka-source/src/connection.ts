import { SkpError } from "@skp/core";
import type { Admin } from "kafkajs";
import { BrokerOffsets } from "./broker-offsets.js";
import { kafkaErrors } from "./errors.js";
import { DataWatcher } from "./fetch/data-watcher.js";
import { FetchReader } from "./fetch/fetch-reader.js";
import type { KafkajsInternals } from "./fetch/kafkajs-internals.js";
import { GroupMember } from "./group-member.js";
import type { GroupOffsets } from "./group-offsets.js";
import { GroupPlanner } from "./group-planner.js";
import type { OffsetReader } from "./kafka-row.js";
import type { KafkaOffsets } from "./offsets.js";
import type { ResolvedOptions } from "./options.js";
import type { BatchPlanner } from "./planner.js";
import { startingOffsetOf } from "./planner.js";
import { RangeReader } from "./range-reader.js";
import { StaticPlanner } from "./static-planner.js";

/** What a source's `open()` connects and its last `stop()` disconnects. */
export interface Connection {
  readonly admin: Admin;
  readonly offsets: BrokerOffsets;
  readonly reader: OffsetReader;
  readonly member: GroupMember | undefined;
  readonly planner: BatchPlanner<KafkaOffsets | GroupOffsets>;
  /** Wakes an idle query when data arrives (the `"fetch"` reader with `fetchMaxWaitMs` > 0). */
  readonly watcher: DataWatcher | undefined;
}

/**
 * Connects a source's parts: the admin client (topics must exist), the reader, the brokers' offsets,
 * the group membership with `groupId`, the planner, and the data watcher. Anything started is stopped
 * again if a later part fails; a failure is a clear error naming the brokers.
 */
export async function openConnection(o: ResolvedOptions, internals: KafkajsInternals | undefined): Promise<Connection> {
  let admin: Admin | undefined, reader: OffsetReader | undefined, member: GroupMember | undefined;
  let watcher: DataWatcher | undefined;
  try {
    admin = o.kafka.admin({ retry: { retries: o.retries, initialRetryTime: 300 } });
    await admin.connect();
    // Listing (unlike a metadata request for one topic) never auto-creates a topic on the broker.
    const existing = new Set(await admin.listTopics());
    for (const topic of o.topics) if (!existing.has(topic)) throw kafkaErrors.unknownTopic(topic);
    const theAdmin = admin;
    reader = internals
      ? new FetchReader(internals, o.topics, o.fetchTimeoutMs)
      : new RangeReader(o.kafka, o.topics, `skp-reader-${crypto.randomUUID()}`, o.fetchTimeoutMs);
    const theReader = reader;
    const offsets = new BrokerOffsets(
      () => theAdmin,
      o.topics,
      () => theReader.highWatermarks,
    );
    await offsets.refresh();
    const startOf = startingOffsetOf(o.startingOffsets);
    const common = { maxOffsetsPerTrigger: o.maxOffsetsPerTrigger, failOnDataLoss: o.failOnDataLoss };
    member =
      o.groupId === undefined
        ? undefined
        : new GroupMember(
            o.kafka,
            o.topics,
            o.groupId,
            { sessionTimeoutMs: o.sessionTimeoutMs, partitionAssigners: o.partitionAssigners },
            () => theAdmin,
          );
    const planner: BatchPlanner<any> = member
      ? new GroupPlanner({ member, offsets, admin: () => theAdmin, initial: startOf, ...common })
      : new StaticPlanner({ offsets, startingOffsets: o.startingOffsets, startOf, ...common });
    watcher =
      internals && o.fetchMaxWaitMs > 0
        ? new DataWatcher(internals, o.topics, o.fetchMaxWaitMs, (key, high) => offsets.raise(key, high))
        : undefined;
    await Promise.all([reader.start(), member?.start(), watcher?.start()]);
    return { admin, offsets, reader, member, planner, watcher };
  } catch (e) {
    await reader?.stop();
    await member?.stop();
    await watcher?.stop();
    await admin?.disconnect().catch(() => {});
    if (e instanceof SkpError) throw e;
    throw kafkaErrors.unreachable(o.where, e);
  }
}
