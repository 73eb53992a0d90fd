import { dirname, join } from "node:path";
import { parquetErrors } from "./errors.js";
import { exists, list, rm, syncDirs } from "./file-io.js";
import type { BatchManifest, CompactionRecord, SinkLog } from "./manifest.js";
import { METADATA_DIR } from "./manifest.js";
import type { Placement } from "./placement.js";

/** A data file staged by batch N: `.part-<N>-<uuid>.<ext>.tmp`. */
const STAGED_BATCH_FILE = /^\.part-(\d+)-.+\.tmp$/;

/**
 * Restart recovery, from `_skp_metadata/` alone (its cost does not grow with the output):
 *
 * 1. A pending compaction is finished if its output is in place, else undone.
 * 2. The last commit record is checked against its files. One at neither its staged nor its final
 *    name means the record outlived a power loss that its files' names did not (a file system that
 *    reorders one directory's updates): nothing of that batch was moved yet, so it is rolled back and
 *    the query runs it again.
 * 3. Staged files of committed batches are moved into place (a power loss can undo moves that were
 *    not yet durable), unless a compaction has merged them; everything else staged — files of a batch that never committed, a commit record
 *    never renamed, a compaction's undone output — is removed.
 * 4. Every directory touched is synced, and those of every batch after the latest snapshot (a killed
 *    process's moves need not be durable).
 */
export async function recover(root: string, log: SinkLog, placement: Placement): Promise<void> {
  const compacted = await settleCompactions(root, log);
  const snapshotBatch = (await log.latestSnapshot())?.batchId ?? -1;
  await checkLastCommit(root, log, compacted, snapshotBatch);
  const committed = new Set(await log.batchIds());
  const manifests = new Map<number, BatchManifest>();
  // Moves a killed process made may not be durable yet: sync their directories too, before a
  // snapshot may delete the records that would let a later recovery redo them.
  for (const id of committed) {
    if (id <= snapshotBatch) continue;
    const manifest = (await log.read<BatchManifest>(String(id)))!;
    manifests.set(id, manifest);
    placement.remember(manifest.files);
  }
  for (const name of await list(log.dir)) {
    if (!name.endsWith(".tmp")) continue;
    const id = Number(STAGED_BATCH_FILE.exec(name)?.[1] ?? NaN);
    if (committed.has(id)) {
      let manifest = manifests.get(id);
      if (!manifest) manifests.set(id, (manifest = (await log.read<BatchManifest>(String(id)))!));
      const entry = manifest.files.find((f) => f.tmp === `${METADATA_DIR}/${name}`);
      // A file a compaction merged is not brought back, even if a power loss undid its move.
      if (entry && !compacted.has(entry.path)) {
        await placement.move([entry]);
        continue;
      }
    }
    await rm(join(log.dir, name), { force: true });
  }
  await placement.flush();
  await syncDirs([log.dir]);
}

/** Finishes or undoes pending compactions; returns every file a finished compaction replaced. */
async function settleCompactions(root: string, log: SinkLog): Promise<Set<string>> {
  const { done, pending } = await log.compactionIds();
  for (const id of pending) {
    const c = (await log.read<CompactionRecord>(`.compact-${id}.pending`))!;
    if (await exists(join(root, c.output.path))) {
      for (const input of c.inputs) await rm(join(root, input), { force: true });
      await syncDirs([dirname(join(root, c.output.path))]);
      await log.write(`compact-${id}`, {
        v: 1,
        inputs: c.inputs,
        output: { path: c.output.path, rows: c.output.rows },
      } satisfies CompactionRecord);
      done.push(id);
    } // else undone: its staged output is removed with the other leftovers
    await rm(join(log.dir, `.compact-${id}.pending`), { force: true });
  }
  const replaced = new Set<string>();
  for (const id of done) for (const input of (await log.read<CompactionRecord>(`compact-${id}`))!.inputs) replaced.add(input);
  return replaced;
}

async function checkLastCommit(root: string, log: SinkLog, compacted: ReadonlySet<string>, snapshotBatch: number): Promise<void> {
  const ids = await log.batchIds();
  const last = ids.at(-1);
  // A snapshot is written after its batch's commit was durable: nothing to check then.
  if (last === undefined || last <= snapshotBatch) return;
  const manifest = (await log.read<BatchManifest>(String(last)))!;
  let missing: string | undefined,
    placed = false;
  for (const f of manifest.files) {
    if (await exists(join(root, f.path))) placed = true;
    else if (compacted.has(f.path)) placed = true;
    else if (!(f.tmp && (await exists(join(root, f.tmp))))) missing ??= f.path;
  }
  if (missing === undefined) return;
  // A batch with a file already in place was durable before anything moved: a missing file is damage.
  if (placed) throw parquetErrors.corruptMetadata(join(log.dir, String(last)), `it lists ${missing}, which is neither in place nor staged`);
  for (const f of manifest.files) if (f.tmp) await rm(join(root, f.tmp), { force: true });
  await rm(join(log.dir, String(last)), { force: true });
}
