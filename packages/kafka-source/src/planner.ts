import type { ReadLimit } from "@skp/core";
import type { Watermarks } from "./broker-offsets.js";
import type { KafkaOffsets, PartitionRange } from "./offsets.js";
import { get } from "./offsets.js";
import { tpKey } from "./topic-partition.js";

/**
 * How the source plans batches (Spark's `MicroBatchStream` half that decides offsets). Two
 * implementations: `StaticPlanner` reads every partition of the topics; `GroupPlanner` reads the
 * partitions the consumer group assigns to this process and claims them (see claims.ts).
 */
export interface BatchPlanner<O> {
  /** Where a new query starts. */
  initialOffset(): Promise<O>;
  /** The end of the next batch from `start`, within `limit`; `start` itself when there is nothing to read. */
  latestOffset(start: O, limit: ReadLimit): Promise<O>;
  /**
   * The ranges the batch `(start, end]` reads (the group planner claims them first), and where they
   * end: the start of the next batch's reads, which the prefetch reads ahead from.
   */
  ranges(start: O, end: O): Promise<{ ranges: PartitionRange[]; ends: KafkaOffsets }>;
  /** The planned ends per partition: lag is measured against them. */
  ends(end: O): KafkaOffsets;
  /** True for offsets this planner made: a checkpoint from the other kind is refused. */
  owns(offset: unknown): offset is O;
  /** How many partitions this process reads now. */
  ownedPartitions(planned: O): number;
  readonly claimsRefused: number;
}

/**
 * Where a partition starts that the checkpoint (or the group) has no offset for: `startingOffsets`,
 * per partition (-2 earliest, -1 latest) or for all.
 */
export function startingOffsetOf(startingOffsets: "earliest" | "latest" | KafkaOffsets) {
  return (topic: string, partition: number, w: Watermarks): number => {
    const bounds = w.get(tpKey(topic, partition)) ?? { low: 0, high: 0 };
    const given = typeof startingOffsets === "object" ? get(startingOffsets, topic, partition) : undefined;
    const pick = given ?? (startingOffsets === "latest" ? -1 : -2);
    return pick === -2 ? bounds.low : pick === -1 ? bounds.high : pick;
  };
}
