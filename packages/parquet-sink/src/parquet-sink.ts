import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { join, dirname } from "node:path";
import type { BatchInfo, Fields, Sink } from "@skp/core";
import { compactPartitions } from "./compaction.js";
import type { CompactionOptions, CompactionSummary } from "./compaction.js";
import { parquetErrors } from "./errors.js";
import { exists, mkdir, rename, rm, syncDirs, walk, writeDurable } from "./file-io.js";
import { METADATA_DIR, SinkLog } from "./manifest.js";
import type { BatchManifest, CompactionRecord, FileEntry } from "./manifest.js";
import { planColumns } from "./parquet-schema.js";
import type { ColumnPlan, TimestampUnit } from "./parquet-schema.js";
import { partitionSegment } from "./partition-path.js";
import { defaultEncodeThreads, encodeNow, sharedEncodePool } from "./encode-pool.js";
import type { Codec, EncodeJob } from "./encode-pool.js";
import { rowsToJob } from "./write-file.js";

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
 * Files are written under hidden names (`.part-...tmp`, skipped by pandas, pyarrow, DuckDB and Spark)
 * and renamed into place at commit; a batch id already committed is skipped; leftovers of a crashed
 * batch are rolled forward or removed on restart. Output mode: append.
 *
 * @example
 * events.writeStream.format(parquetSink({ path: "out/run_1", partitionBy: ["id"] }))
 *   .option("checkpointLocation", "out/run_1/_chk").start()
 */
export function parquetSink(options: ParquetSinkOptions): ParquetSink {
  const { path, partitionBy = [], compression = "snappy", rowGroupSize, targetFileRows = 250_000, timestampUnit = "millis" } = options;
  if (typeof path !== "string" || path === "") throw parquetErrors.badOption("path", path, "a directory path");
  if (!["snappy", "uncompressed"].includes(compression)) throw parquetErrors.badOption("compression", compression, '"snappy" or "uncompressed" (what hyparquet-writer ships)');
  if (!(Number.isInteger(targetFileRows) && targetFileRows > 0)) throw parquetErrors.badOption("targetFileRows", targetFileRows, "a positive integer");
  if (!["millis", "micros"].includes(timestampUnit)) throw parquetErrors.badOption("timestampUnit", timestampUnit, '"millis" or "micros"');
  const { encodeThreads = defaultEncodeThreads() } = options;
  if (!(Number.isInteger(encodeThreads) && encodeThreads >= 0)) throw parquetErrors.badOption("encodeThreads", encodeThreads, "0 or a positive integer");
  const pool = encodeThreads > 0 ? sharedEncodePool(encodeThreads) : undefined;
  const encode = (job: EncodeJob): Promise<Uint8Array> => (pool ? pool.encode(job) : Promise.resolve(encodeNow(job)));
  const compaction: CompactionOptions | false = options.compaction === false ? false : { everyBatches: 10, minFiles: 8, smallFileRows: Math.ceil(targetFileRows / 2), ...options.compaction };
  const codec: Codec = compression === "snappy" ? "SNAPPY" : "UNCOMPRESSED";
  const ext = compression === "snappy" ? "snappy.parquet" : "parquet";
  const log = new SinkLog(path);
  let lastCommitted = -1;
  let owner: string | undefined;
  let initialized: Promise<void> | undefined;
  let plan: { key: string; columns: ColumnPlan[] } | undefined;
  const madeDirs = new Set<string>();

  const init = () => (initialized ??= (async () => {
    await mkdir(log.dir, { recursive: true });
    await recover(path, log);
    const ids = await log.batchIds();
    lastCommitted = ids.length ? ids[ids.length - 1]! : -1;
    owner = lastCommitted >= 0 ? (await log.read<BatchManifest>(String(lastCommitted)))?.queryId : undefined;
  })().catch((e) => { initialized = undefined; throw e; }));

  const columnsFor = (fields: Fields) => {
    const key = JSON.stringify(Object.entries(fields).map(([k, t]) => [k, String(t)]));
    if (plan?.key !== key) {
      for (const c of partitionBy) if (!(c in fields)) throw parquetErrors.unknownPartitionColumn(c, Object.keys(fields));
      plan = { key, columns: planColumns(fields, partitionBy, timestampUnit) };
    }
    return plan.columns;
  };

  async function writeBatch(batchId: number, rows: readonly Record<string, unknown>[], fields: Fields, queryId: string): Promise<void> {
    const columns = columnsFor(fields);
    const groups = groupByPartition(rows, partitionBy, fields);
    const files: FileEntry[] = [];
    const writes: Promise<void>[] = [];
    try {
      for (const [dir, groupRows] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
        for (let i = 0; i < groupRows.length; i += targetFileRows) {
          const chunk = groupRows.slice(i, i + targetFileRows);
          const name = `part-${String(batchId).padStart(5, "0")}-${crypto.randomUUID()}.${ext}`;
          const rel = dir ? `${dir}/${name}` : name;
          const tmp = dir ? `${dir}/.${name}.tmp` : `.${name}.tmp`;
          files.push({ path: rel, tmp, rows: chunk.length });
          // Files encode in parallel on the pool; each is written and fsynced as soon as it is ready.
          const job = rowsToJob(chunk, columns, codec, rowGroupSize);
          writes.push(encode(job).then((bytes) => writeDurable(join(path, tmp), bytes, madeDirs)));
          await yieldToEventLoop(); // let other work run between files (encoding them, without a pool)
        }
      }
      await settleAll(writes);
      // Intent first, then the renames, then the commit: a crash anywhere is rolled forward on restart.
      await log.write(`.${batchId}.pending`, { v: 1, files, queryId } satisfies BatchManifest);
      await publish(path, files);
      // The intent becomes the commit record by a rename: one fsync of the log directory, no second file.
      await log.promote(`.${batchId}.pending`, String(batchId));
    } catch (e) {
      if (!(await exists(join(log.dir, `.${batchId}.pending`)))) {
        for (const f of files) await rm(join(path, f.tmp!), { force: true }).catch(() => {});
      }
      throw parquetErrors.writeFailed(path, batchId, e);
    }
  }

  return {
    description: `ParquetSink[${path}]`,
    path,
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
      if (compaction && (batchId + 1) % (compaction.everyBatches ?? 10) === 0) await compactPartitions(path, log, compaction, codec, ext, targetFileRows, encode);
    },
    async compact() {
      await init();
      return compactPartitions(path, log, compaction ? { ...compaction, minFiles: 2 } : { minFiles: 2, smallFileRows: targetFileRows }, codec, ext, targetFileRows, encode);
    },
  };
}

/**
 * Rows per partition directory (`id=3/...`). Each column's escaped `col=value` segment is computed once
 * per distinct value, so grouping costs a map lookup per row and column.
 */
function groupByPartition(rows: readonly Record<string, unknown>[], partitionBy: readonly string[], fields: Fields): Map<string, Record<string, unknown>[]> {
  const groups = new Map<string, Record<string, unknown>[]>();
  const segments = partitionBy.map(() => new Map<unknown, string>());
  for (const row of rows) {
    let dir = "";
    for (let i = 0; i < partitionBy.length; i++) {
      const c = partitionBy[i]!, v = row[c];
      let segment = segments[i]!.get(v);
      if (segment === undefined) segments[i]!.set(v, (segment = partitionSegment(c, v, fields[c]!.kind)));
      dir += i === 0 ? segment : `/${segment}`;
    }
    let list = groups.get(dir);
    if (!list) groups.set(dir, (list = []));
    list.push(row);
  }
  return groups;
}

/** Awaits every write; the first failure is thrown once all have finished (so cleanup sees them all). */
async function settleAll(writes: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(writes);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/** Renames hidden files into place, then makes the renames durable. */
async function publish(root: string, files: readonly FileEntry[]): Promise<void> {
  await Promise.all(files.map(async (f) => {
    try {
      await rename(join(root, f.tmp!), join(root, f.path));
    } catch (e) {
      // Rolling forward after a crash: this file was renamed before it.
      if ((e as NodeJS.ErrnoException).code !== "ENOENT" || !(await exists(join(root, f.path)))) throw e;
    }
  }));
  await syncDirs(new Set(files.map((f) => dirname(join(root, f.path)))));
}

/**
 * Restart recovery: a batch whose files were all written (its `.pending` intent exists) is rolled
 * forward and committed; a compaction is finished if its output is in place, else undone; hidden
 * temp files of anything else are removed.
 */
async function recover(root: string, log: SinkLog): Promise<void> {
  for (const id of await log.pendingBatches()) {
    if (!(await exists(join(log.dir, String(id))))) {
      const pending = (await log.read<BatchManifest>(`.${id}.pending`))!;
      await publish(root, pending.files);
      await log.promote(`.${id}.pending`, String(id));
    } else await rm(join(log.dir, `.${id}.pending`), { force: true });
  }
  for (const id of (await log.compactionIds()).pending) {
    const c = (await log.read<CompactionRecord>(`.compact-${id}.pending`))!;
    if (await exists(join(root, c.output.path))) {
      for (const input of c.inputs) await rm(join(root, input), { force: true });
      await log.write(`compact-${id}`, { v: 1, inputs: c.inputs, output: { path: c.output.path, rows: c.output.rows } });
    }
    await rm(join(log.dir, `.compact-${id}.pending`), { force: true });
  }
  for (const rel of await walk(root, METADATA_DIR)) {
    const name = rel.slice(rel.lastIndexOf("/") + 1);
    if (name.startsWith(".part-") && name.endsWith(".tmp")) await rm(join(root, rel), { force: true });
  }
}
