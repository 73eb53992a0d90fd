import type { KafkaOffsets } from "./offsets.js";

/**
 * A grouped query's offsets (what its checkpoint logs per batch): the ranges it planned on the
 * partitions the group assigned to it, and the claim that makes them its own.
 */
export type GroupOffsets = {
  /** Per partition, the end of the planned range (the next offset to read). */
  group: KafkaOffsets;
  /** The batch's claim id ("" before the first batch). */
  claim: string;
  /** Per partition: [range start, the claim id the partition carried when planned, or null]. */
  from: { [topic: string]: { [partition: string]: [number, string | null] } };
};

export const emptyGroupOffsets = (): GroupOffsets => ({ group: {}, claim: "", from: {} });

export function isGroupOffsets(o: unknown): o is GroupOffsets {
  return typeof o === "object" && o !== null && "claim" in o && "group" in o && "from" in o;
}
