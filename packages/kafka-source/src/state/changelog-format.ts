import type { ShardInputs } from "@skp/core";
import type { KafkaRow } from "../kafka-row.js";

/**
 * The records of a shard's changelog (one partition of `<groupId>-<operator>-changelog` per input
 * partition), in the order a batch writes them, once its sink output is committed:
 *
 *     key: <state key>          value: JSON of the new value, or null (removed)          header skp-token
 *     key: \u0000skp-commit     value: {"token","batchId","watermark","snapshot"?,"inputs"?}  header skp-token, skp-commit
 *
 * A batch's changes count once the commit marker after them is read; records after the last marker (a
 * process that died mid-write, and will rewrite them when it replays the batch) are not applied. The
 * marker's key is the same for every batch, so a compacting broker keeps one marker and one value per
 * key: the log compacts to exactly the shard's state after its last batch. A snapshot marker follows
 * the shard's whole state instead of its changes; a restore that starts after the log's first record
 * (records deleted by retention) is valid from the first snapshot on.
 */
export const TOKEN_HEADER = "skp-token";
export const COMMIT_HEADER = "skp-commit";
const MARKER_KEY = "\u0000skp-commit";

export interface CommitMarker {
  readonly token: string;
  readonly batchId: number;
  readonly watermark: { readonly watermarkMs: number; readonly operatorWatermarks: Record<string, number> };
  /** The records since the previous marker are the shard's whole state, not changes. */
  readonly snapshot?: boolean;
  /** Where the shard's input stands (a repartition reader's positions per input partition), whole. */
  readonly inputs?: ShardInputs;
}

export type ChangelogRecord =
  | { readonly kind: "change"; readonly key: string; readonly value: unknown }
  | { readonly kind: "commit"; readonly marker: CommitMarker };

const decoder = new TextDecoder();

/** Reads a changelog record back. */
export function decodeRecord(row: KafkaRow): ChangelogRecord {
  if (row.headers[COMMIT_HEADER] !== undefined) {
    return { kind: "commit", marker: JSON.parse(decoder.decode(row.value ?? new Uint8Array())) as CommitMarker };
  }
  const key = row.key ? decoder.decode(row.key) : "";
  return { kind: "change", key, value: row.value === null ? undefined : JSON.parse(decoder.decode(row.value)) };
}

/** The Kafka messages of one shard's part in a batch: its changes (or whole state), then its commit marker. */
export function encodeBatch(
  partition: number,
  changes: Iterable<readonly [string, unknown]>,
  marker: CommitMarker,
): { partition: number; key: string; value: string | null; headers: Record<string, string> }[] {
  const headers: Record<string, string> = { [TOKEN_HEADER]: marker.token };
  const out: { partition: number; key: string; value: string | null; headers: Record<string, string> }[] = [];
  for (const [key, value] of changes) out.push({ partition, key, value: value === undefined ? null : JSON.stringify(value), headers });
  out.push({ partition, key: MARKER_KEY, value: JSON.stringify(marker), headers: { ...headers, [COMMIT_HEADER]: "1" } });
  return out;
}
