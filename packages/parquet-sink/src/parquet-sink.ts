import { join } from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { BatchInfo, Fields, Sink } from "@skp/core";
import type { CompactionOptions, CompactionSummary } from "./compaction.js";
import { compactPartitions } from "./compaction.js";
import { deadLetterDataset } from "./dead-letters.js";
import type { Codec, EncodeJob } from "./encode-job.js";
import { encodeNow } from "./encode-job.js";
import { defaultEncodeThreads, sharedEncodePool } from "./encode-pool.js";
import { parquetErrors } from "./errors.js";
import { mkdir, rename, rm, syncDirs, writeDurable } from "./file-io.js";
import type { BatchManifest, FileEntry } from "./manifest.js";
import { METADATA_DIR, SinkLog } from "./manifest.js";
import type { ColumnPlan, TimestampUnit } from "./parquet-schema.js";
import { planColumns } from "./parquet-schema.js";
import { partitionSegment } from "./partition-path.js";
import { Placement } from "./placement.js";
import { recover } from "./recovery.js";
import { rowsToJob } from "./write-file.js";

/** Batches between snapshots of the sink's log (Spark's `spark.sql.streaming.fileSink.log.compactInterval`). */
const SNAPSHOT_EVERY = 10;

export interface ParquetSinkOptions {
  /** Output directory (created if missing). */
  path: string;
  /** Hive-style partition columns: `id=3/` directories; the column lives in the directory name only. */
  partitionBy?: string[];
  /** `"snappy"` (default) or `"uncompressed"`: the codecs hyparquet-writer ships. */
  compression?: "snappy" | "uncompressed";
  /** Rows per row group. Default: hyparquet-writer's (1,000 for the first, then 100,000). */
  rowGroupSize?: number;
  /**
   * At most this many rows per file; larger partitions of a batch are split, and compaction never
   * writes bigger files. Encoding a file is synchronous, so this also bounds event-loop stalls. Default 250,000.
   */
  targetFileRows?: number;
  /** Timestamp precision in the files. Default `"millis"` (INT64 TIMESTAMP(MILLIS, UTC)). */
  timestampUnit?: TimestampUnit;
  /**
   * Merge each partition's small files every `everyBatches` batches (default 10) once it has at least
   * `minFiles` (default 8) files under `smallFileRows` rows (default targetFileRows / 2). `false` turns it off;
   * `sink.compact()` runs it on demand.
   */
  compaction?: false | CompactionOptions;
  /**
   * Worker threads that encode files (hyparquet-writer encodes synchronously): the engine's event loop
   * stays free and a batch's files encode in parallel. Default: one per core, at most 4; 0 encodes on
   * the main thread.
   */
  encodeThreads?: number;
}

export interface ParquetSink extends Sink<Record<string, unknown>> {
  readonly path: string;
  /** Merges small committed files now; exactly-once across crashes. */
  compact(): Promise<CompactionSummary>;
}

/**
 * Writes each micro-batch as Parquet files under `path`, laid out like Spark's file sink:
 * `<path>/<col>=<value>/part-<batch>-<uuid>.snappy.parquet` and `<path>/_skp_metadata/<batch>`.
 * Files are written hidden in `_skp_metadata/` (skipped by pandas, pyarrow, DuckDB and Spark) and moved
 * into place once the batch's commit record is durable; a batch id already committed is skipped;
 * leftovers of a crash are moved into place or removed on restart. Output mode: append.
 *
 * @example
 * events.writeStream.format(parquetSink({ path: "out/run_1", partitionBy: ["id"] }))
 *   .option("checkpointLocation", "out/run_1/_chk").start()
 */
export function parquetSink(options: ParquetSinkOptions): ParquetSink {
  const { path, partitionBy = [], compression = "snappy", rowGroupSize, targetFileRows = 250_000, timestampUnit = "millis" } = options;
  if (typeof path !== "string" || path === "") throw parquetErrors.badOption("path", path, "a directory path");
  if (!["snappy", "uncompressed"].includes(compression))
    throw parquetErrors.badOption("compression", compression, '"snappy" or "uncompressed" (what hyparquet-writer ships)');
  if (!(Number.isInteger(targetFileRows) && targetFileRows > 0))
    throw parquetErrors.badOption("targetFileRows", targetFileRows, "a positive integer");
  if (!["millis", "micros"].includes(timestampUnit)) throw parquetErrors.badOption("timestampUnit", timestampUnit, '"millis" or "micros"');
  const { encodeThreads = defaultEncodeThreads() } = options;
  if (!(Number.isInteger(encodeThreads) && encodeThreads >= 0))
    throw parquetErrors.badOption("encodeThreads", encodeThreads, "0 or a positive integer");
  const pool = encodeThreads > 0 ? sharedEncodePool(encodeThreads) : undefined;
  const encode = (job: EncodeJob): Promise<Uint8Array> => (pool ? pool.encode(job) : Promise.resolve(encodeNow(job)));
  const compaction: CompactionOptions | false =
    options.compaction === false
      ? false
      : { everyBatches: 10, minFiles: 8, smallFileRows: Math.ceil(targetFileRows / 2), ...options.compaction };
  const codec: Codec = compression === "snappy" ? "SNAPPY" : "UNCOMPRESSED";
  const ext = compression === "snappy" ? "snappy.parquet" : "parquet";
  const log = new SinkLog(path);
  let lastCommitted = -1;
  let owner: string | undefined;
  let initialized: Promise<void> | undefined;
  let plan: { key: string; columns: ColumnPlan[] } | undefined;
  const placement = new Placement(path);

  const init = () =>
    (initialized ??= (async () => {
      await mkdir(log.dir, { recursive: true });
      await recover(path, log, placement);
      const ids = await log.batchIds();
      lastCommitted = ids.length ? ids[ids.length - 1]! : -1;
      owner = lastCommitted >= 0 ? (await log.read<BatchManifest>(String(lastCommitted)))?.queryId : undefined;
    })().catch((e) => {
      initialized = undefined;
      throw e;
    }));

  const columnsFor = (fields: Fields) => {
    const key = JSON.stringify(Object.entries(fields).map(([k, t]) => [k, String(t)]));
    if (plan?.key !== key) {
      for (const c of partitionBy) if (!(c in fields)) throw parquetErrors.unknownPartitionColumn(c, Object.keys(fields));
      plan = { key, columns: planColumns(fields, partitionBy, timestampUnit) };
    }
    return plan.columns;
  };

  /**
   * Files and commit record are written and fsynced side by side in `_skp_metadata/`; one rename and
   * one fsync of that directory commit the batch (the record and every file name become durable
   * together); then the files move into place (see Placement for why the moves need no fsync here).
   */
  async function writeBatch(batchId: number, rows: readonly Record<string, unknown>[], fields: Fields, queryId: string): Promise<void> {
    const columns = columnsFor(fields);
    const groups = groupByPartition(rows, partitionBy, fields);
    const files: FileEntry[] = [];
    const writes: Promise<void>[] = [];
    const record = `.${batchId}.commit.tmp`;
    let stage: "write" | "commit" | "move" = "write";
    try {
      for (const [dir, groupRows] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
        for (let i = 0; i < groupRows.length; i += targetFileRows) {
          const chunk = groupRows.length <= targetFileRows ? groupRows : groupRows.slice(i, i + targetFileRows);
          const name = `part-${String(batchId).padStart(5, "0")}-${crypto.randomUUID()}.${ext}`;
          const tmp = `${METADATA_DIR}/.${name}.tmp`;
          files.push({ path: dir ? `${dir}/${name}` : name, tmp, rows: chunk.length });
          // Files encode in parallel on the pool; each is written and fsynced as soon as it is ready.
          const job = rowsToJob(chunk, columns, codec, rowGroupSize);
          writes.push(encode(job).then((bytes) => writeDurable(join(path, tmp), bytes)));
          await yieldToEventLoop(); // let other work run between files (encoding them, without a pool)
        }
      }
      writes.push(writeDurable(join(log.dir, record), JSON.stringify({ v: 1, files, queryId } satisfies BatchManifest)));
      await settleAll(writes);
      stage = "commit";
      await rename(join(log.dir, record), join(log.dir, String(batchId)));
      await syncDirs([log.dir]);
      stage = "move";
      await placement.move(files);
    } catch (e) {
      if (stage === "write") {
        for (const f of files) await rm(join(path, f.tmp!), { force: true }).catch(() => {});
        await rm(join(log.dir, record), { force: true }).catch(() => {});
      } else initialized = undefined; // committed, or maybe (a failed sync): recovery settles it before the next batch
      throw stage === "move" ? parquetErrors.moveFailed(path, batchId, e) : parquetErrors.writeFailed(path, batchId, e);
    }
  }

  const deadLetters = deadLetterDataset(path);
  return {
    description: `ParquetSink[${path}]`,
    path,
    deadLetterSink: () => deadLetters,
    async addBatch(batchId: number, rows: readonly Record<string, unknown>[], info: BatchInfo) {
      if (info.outputMode !== "append") throw parquetErrors.onlyAppend(info.outputMode);
      try {
        await init();
      } catch (e) {
        throw parquetErrors.writeFailed(path, batchId, e);
      }
      if (owner !== undefined && owner !== info.queryId) throw parquetErrors.otherQuery(path, owner, info.queryId);
      if (batchId <= lastCommitted) return; // already committed: a replay after a restart
      await writeBatch(batchId, rows, info.fields, info.queryId);
      owner = info.queryId;
      lastCommitted = batchId;
      if (compaction && (batchId + 1) % (compaction.everyBatches ?? 10) === 0)
        await compactPartitions(path, log, placement, compaction, codec, ext, targetFileRows, encode);
      if ((batchId + 1) % SNAPSHOT_EVERY === 0) {
        await placement.flush(); // the records the snapshot deletes must never be needed to redo a move
        await log.snapshot(batchId);
      }
    },
    async compact() {
      await init();
      return compactPartitions(
        path,
        log,
        placement,
        compaction ? { ...compaction, minFiles: 2 } : { minFiles: 2, smallFileRows: targetFileRows },
        codec,
        ext,
        targetFileRows,
        encode,
      );
    },
    async stop() {
      await placement.flush();
    },
  };
}

type Row = Record<string, unknown>;
/** A level of the grouping trie: partition value → next level, or the rows at the last level. */
type Trie = Map<unknown, Trie | Row[]>;

/**
 * Rows per partition directory (`id=3/...`). Rows are grouped by their partition values in a trie of
 * maps (a lookup per row and column, no key built per row); directory names are made once per group.
 * It is on every batch's critical path: no file can start encoding before it ends.
 */
function groupByPartition(rows: readonly Row[], partitionBy: readonly string[], fields: Fields): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  if (partitionBy.length === 0) return groups.set("", rows as Row[]);
  const root: Trie = new Map();
  const last = partitionBy.length - 1;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let level = root;
    for (let i = 0; i < last; i++) {
      const v = row[partitionBy[i]!];
      let next = level.get(v) as Trie | undefined;
      if (next === undefined) level.set(v, (next = new Map()));
      level = next;
    }
    const v = row[partitionBy[last]!];
    let list = level.get(v) as Row[] | undefined;
    if (list === undefined) level.set(v, (list = []));
    list.push(row);
  }
  const name = (i: number, v: unknown) => partitionSegment(partitionBy[i]!, v, fields[partitionBy[i]!]!.kind);
  const collect = (level: Trie, i: number, prefix: string): void => {
    for (const [v, next] of level) {
      const dir = i === 0 ? name(0, v) : `${prefix}/${name(i, v)}`;
      // Distinct values can share a directory name (null and undefined, say): their rows go together.
      if (i === last) groups.set(dir, groups.get(dir)?.concat(next as Row[]) ?? (next as Row[]));
      else collect(next as Trie, i + 1, dir);
    }
  };
  collect(root, 0, "");
  return groups;
}

/** Awaits every write; the first failure is thrown once all have finished (so cleanup sees them all). */
async function settleAll(writes: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(writes);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
}
