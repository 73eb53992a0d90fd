import type { ReadLimit } from "@skp/core";
import type { BrokerOffsets, Watermarks } from "./broker-offsets.js";
import { asOffsets } from "./broker-offsets.js";
import { kafkaErrors } from "./errors.js";
import { isGroupOffsets } from "./group-offsets.js";
import type { KafkaOffsets, PartitionRange } from "./offsets.js";
import { batchLimit, capOffsets, carryOver, forEachPartition, get, limitOffsets, ranges, set } from "./offsets.js";
import type { BatchPlanner } from "./planner.js";
import { tpKey } from "./topic-partition.js";

export interface StaticPlannerConfig {
  readonly offsets: BrokerOffsets;
  readonly startingOffsets: "earliest" | "latest" | KafkaOffsets;
  readonly startOf: (topic: string, partition: number, w: Watermarks) => number;
  readonly maxOffsetsPerTrigger: number | undefined;
  readonly failOnDataLoss: boolean;
}

/** A query without `groupId` reads every partition of its topics: Spark's Kafka source planning. */
export class StaticPlanner implements BatchPlanner<KafkaOffsets> {
  readonly claimsRefused = 0;

  constructor(private readonly config: StaticPlannerConfig) {}

  async initialOffset(): Promise<KafkaOffsets> {
    const { offsets, startingOffsets, startOf } = this.config;
    const w = await offsets.refresh();
    if (typeof startingOffsets === "object") {
      forEachPartition(startingOffsets, (topic, partition) => {
        if (!w.has(tpKey(topic, partition))) throw kafkaErrors.badStartingOffsets(startingOffsets);
      });
    }
    const out: KafkaOffsets = {};
    forEachPartition(asOffsets(w, "low"), (topic, partition) => set(out, topic, partition, startOf(topic, partition, w)));
    return out;
  }

  async latestOffset(start: KafkaOffsets, limit: ReadLimit): Promise<KafkaOffsets> {
    const { offsets, failOnDataLoss } = this.config;
    const earliest = (t: string, p: number) => offsets.earliest(t, p);
    const max = batchLimit(limit, this.config.maxOffsetsPerTrigger);
    let highs = offsets.knownHighs();
    // Catching up: the fetches' high watermarks already show a full batch, so skip asking the
    // broker (a round trip per trigger). Partitions and lag are still refreshed at least every second.
    // Woken by the watch: its answer carried the new log ends, so skip that round trip once.
    if (!this.fullBatchKnown(start, highs, max) && !offsets.takeWoken()) {
      highs = asOffsets(await offsets.refresh(), "high");
      forEachPartition(start, (topic, partition, from) => {
        const high = get(highs, topic, partition);
        if (high !== undefined && high < from && failOnDataLoss) throw kafkaErrors.offsetsWentBack(topic, partition, from, high);
      });
    }
    let end = limitOffsets(start, highs, max, earliest);
    end = capOffsets(end, limit.upTo as KafkaOffsets | undefined, start, earliest);
    return carryOver(start, end);
  }

  async ranges(start: KafkaOffsets, end: KafkaOffsets): Promise<{ ranges: PartitionRange[]; ends: KafkaOffsets }> {
    return { ranges: ranges(start, end, (t, p) => this.config.offsets.earliest(t, p)), ends: end };
  }

  ends(end: KafkaOffsets): KafkaOffsets {
    return end;
  }

  owns(offset: unknown): offset is KafkaOffsets {
    return typeof offset === "object" && offset !== null && !isGroupOffsets(offset);
  }

  ownedPartitions(planned: KafkaOffsets): number {
    let n = 0;
    forEachPartition(planned, () => n++);
    return n;
  }

  /** Whether the known log ends `highs` already hold `max` offsets past `start` (fresh within a second). */
  private fullBatchKnown(start: KafkaOffsets, highs: KafkaOffsets, max: number | undefined): boolean {
    const { offsets } = this.config;
    if (max === undefined || offsets.ageMs() >= 1_000) return false;
    let backlog = 0;
    forEachPartition(highs, (topic, partition, high) => {
      backlog += Math.max(0, high - (get(start, topic, partition) ?? offsets.earliest(topic, partition)));
    });
    return backlog >= max;
  }
}
