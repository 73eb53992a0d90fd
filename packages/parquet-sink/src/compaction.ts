import { dirname, join } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import type { Codec, EncodeJob } from "./encode-job.js";
import { rename, rm, syncDirs, writeDurable } from "./file-io.js";
import type { CompactionRecord, FileEntry, SinkLog } from "./manifest.js";
import { METADATA_DIR } from "./manifest.js";
import type { SchemaElement } from "./parquet-schema.js";
import type { Placement } from "./placement.js";

export interface CompactionOptions {
  /** Run automatically after every this many batches. Default 10. */
  everyBatches?: number;
  /** Compact a partition once it has at least this many small files. Default 8. */
  minFiles?: number;
  /** Files with fewer rows than this are small. Default: half of the sink's targetFileRows. */
  smallFileRows?: number;
}

export interface CompactionSummary {
  partitions: number;
  filesBefore: number;
  filesAfter: number;
}

/**
 * Merges each partition directory's small committed files into one, crash-safely: write the merged
 * file hidden in `_skp_metadata/`, log the intent, rename it into place, delete the inputs, log the
 * result. A crash is finished (output in place) or undone (output not yet in place) on restart, so
 * every row stays in exactly one committed file. Batches' moves into place are made durable first,
 * and recovery never moves a merged input back in (a power loss could otherwise resurrect one whose
 * move another process made and never synced).
 */
export async function compactPartitions(
  root: string,
  log: SinkLog,
  placement: Placement,
  options: CompactionOptions,
  codec: Codec,
  ext: string,
  targetFileRows: number,
  encode: (job: EncodeJob) => Promise<Uint8Array>,
): Promise<CompactionSummary> {
  const { minFiles = 8, smallFileRows = Math.ceil(targetFileRows / 2) } = options;
  const byDir = new Map<string, FileEntry[]>();
  const committed = await log.committed();
  for (const f of committed.files) {
    const dir = f.path.includes("/") ? f.path.slice(0, f.path.lastIndexOf("/")) : "";
    if (f.rows >= smallFileRows) continue;
    let list = byDir.get(dir);
    if (!list) byDir.set(dir, (list = []));
    list.push(f);
  }
  const summary: CompactionSummary = { partitions: 0, filesBefore: 0, filesAfter: 0 };
  await placement.flush();
  let next = committed.lastCompaction + 1; // ids only grow, also past the records a snapshot folded in
  for (const [dir, small] of byDir) {
    if (small.length < minFiles) continue;
    summary.partitions++;
    // Merge in batch order, into files of at most targetFileRows rows: compaction never makes giant files.
    for (const files of pack(small, targetFileRows)) {
      if (files.length < 2) continue;
      const merged = await mergeFiles(root, files);
      if (!merged) continue; // files with different schemas: leave them alone
      const id = next++;
      const name = `part-c${String(id).padStart(5, "0")}-${crypto.randomUUID()}.${ext}`;
      const tmp = `${METADATA_DIR}/.${name}.tmp`;
      const output: FileEntry = { path: dir ? `${dir}/${name}` : name, rows: merged.rows, tmp };
      await writeDurable(join(root, tmp), await encode({ columnData: merged.columns, elements: merged.elements, codec }));
      const inputs = files.map((f) => f.path);
      await log.write(`.compact-${id}.pending`, { v: 1, inputs, output } satisfies CompactionRecord);
      // Rename then unlink, back to back: a reader listing in between could see both, never neither.
      await rename(join(root, tmp), join(root, output.path));
      for (const input of inputs) await rm(join(root, input), { force: true });
      await syncDirs([dirname(join(root, output.path)), log.dir]);
      await log.write(`compact-${id}`, { v: 1, inputs, output } satisfies CompactionRecord);
      await rm(join(log.dir, `.compact-${id}.pending`), { force: true });
      summary.filesBefore += files.length;
      summary.filesAfter++;
    }
  }
  return summary;
}

/** Consecutive runs of files whose rows add up to at most `maxRows`. */
function pack(files: readonly FileEntry[], maxRows: number): FileEntry[][] {
  const out: FileEntry[][] = [];
  let cur: FileEntry[] = [],
    rows = 0;
  for (const f of files) {
    if (cur.length > 0 && rows + f.rows > maxRows) {
      out.push(cur);
      cur = [];
      rows = 0;
    }
    cur.push(f);
    rows += f.rows;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

async function mergeFiles(root: string, files: readonly FileEntry[]) {
  let elements: SchemaElement[] | undefined;
  let signature: string | undefined;
  const columns: { name: string; data: unknown[] }[] = [];
  let rows = 0;
  for (const f of files) {
    const file = await asyncBufferFromFile(join(root, f.path));
    const meta = await parquetMetadataAsync(file);
    const own = meta.schema.slice(1) as unknown as SchemaElement[];
    const sig = JSON.stringify(own.map((e) => [e.name, e.type, e.converted_type, e.repetition_type]));
    if (signature === undefined) {
      signature = sig;
      elements = own.map((e) => ({ ...e }));
      for (const e of own) columns.push({ name: e.name, data: [] });
    } else if (sig !== signature) return undefined;
    // Raw values: INT64 stays bigint and timestamps stay Date, which the writer takes back as they are.
    const objects = await parquetReadObjects({ file, metadata: meta, utf8: true });
    for (const o of objects) for (const c of columns) c.data.push((o as Record<string, unknown>)[c.name] ?? null);
    rows += objects.length;
  }
  return { elements: elements!, columns, rows };
}
