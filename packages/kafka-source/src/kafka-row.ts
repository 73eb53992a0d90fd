import type { PartitionRange } from "./offsets.js";

export interface KafkaRow {
  key: Uint8Array | null;
  value: Uint8Array | null;
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  headers: Record<string, string | null>;
}

/** Most messages have no headers; those rows share one frozen empty object. */
export const NO_HEADERS: Record<string, string | null> = Object.freeze({}) as Record<string, string | null>;

/** Reads exact offset ranges of partitions. */
export interface OffsetReader {
  /**
   * The highest readable log end fetches reported (since the owner cleared it), per `topic:partition`:
   * a lower bound of where batches may be planned up to: the last stable offset (read committed).
   * The consumer reader reports none (kafkajs' batches carry only the high watermark).
   */
  readonly highWatermarks: Map<string, number>;
  start(): Promise<void>;
  /** Each range's rows in offset order, one array per range, in range order. */
  read(ranges: readonly PartitionRange[]): Promise<KafkaRow[][]>;
  /** Ends a read in flight at once and disconnects. */
  stop(): Promise<void>;
}
