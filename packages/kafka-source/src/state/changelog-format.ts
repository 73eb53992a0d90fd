import type { KafkaRow } from "../kafka-row.js";

/**
 * The records of a shard's changelog (one partition of `<groupId>-<operator>-changelog` per input
 * partition), in the order a batch writes them:
 *
 *     key: <state key>                 value: JSON of the new value, or null (removed)   header skp-token
 *     key: \u0000skp-commit:<token>    value: {"token","batchId","watermark"}            header skp-token, skp-commit
 *
 * A batch's changes count only once the commit marker with its token follows them; changes without
 * one (a process that died mid-write) are ignored, so a batch lands in the log all or nothing. Marker
 * keys are unique per batch, so a compacting broker never removes one a restore looks for; a state
 * key's older values may be compacted away, which leaves every restore point after them intact.
 */
export const TOKEN_HEADER = "skp-token";
export const COMMIT_HEADER = "skp-commit";
const MARKER_PREFIX = "\u0000skp-commit:";

export interface CommitMarker {
  readonly token: string;
  readonly batchId: number;
  readonly watermark: { readonly watermarkMs: number; readonly operatorWatermarks: Record<string, number> };
}

export type ChangelogRecord =
  | { readonly kind: "change"; readonly token: string | null; readonly key: string; readonly value: unknown }
  | { readonly kind: "commit"; readonly marker: CommitMarker };

const decoder = new TextDecoder();

/** Reads a changelog record back; a record skp did not write is an error naming its offset. */
export function decodeRecord(row: KafkaRow): ChangelogRecord {
  const key = row.key ? decoder.decode(row.key) : "";
  if (row.headers[COMMIT_HEADER] !== undefined) {
    const marker = JSON.parse(decoder.decode(row.value ?? new Uint8Array())) as CommitMarker;
    return { kind: "commit", marker };
  }
  const value = row.value === null ? undefined : JSON.parse(decoder.decode(row.value));
  return { kind: "change", token: row.headers[TOKEN_HEADER] ?? null, key, value };
}

/** The Kafka messages of one shard's part in a batch: its changes, then its commit marker. */
export function encodeBatch(
  partition: number,
  changes: readonly (readonly [string, unknown])[],
  marker: CommitMarker,
): { partition: number; key: string; value: string | null; headers: Record<string, string> }[] {
  const headers: Record<string, string> = { [TOKEN_HEADER]: marker.token };
  const out = changes.map(([key, value]) => ({ partition, key, value: value === undefined ? null : JSON.stringify(value), headers }));
  out.push({ partition, key: MARKER_PREFIX + marker.token, value: JSON.stringify(marker), headers: { ...headers, [COMMIT_HEADER]: "1" } });
  return out;
}
