import { dirname, join } from "node:path";
import { exists, mkdir, rename, syncDirs } from "./file-io.js";
import type { FileEntry } from "./manifest.js";

/**
 * Moving committed files from `_skp_metadata/` (where they are written, hidden, next to the commit
 * record) into their partition directories, and making those moves durable later, in bulk.
 *
 * The moves need no fsync of their own to be safe: the commit record already vouches for files that
 * are durable under their staged names, and a move a power loss undoes puts the file back there,
 * where restart recovery moves it again. Syncing the partition directories is deferred to `flush()`
 * (when the sink stops, before a compaction deletes files or a log snapshot deletes the records a
 * redo would need, after recovery): a batch then costs one directory fsync, not one per partition.
 */
export class Placement {
  /** Directories created so far (so a batch does not `mkdir` every partition again). */
  private readonly made = new Set<string>();
  /** Directories whose new entries are not yet known to be durable. */
  private readonly unsynced = new Set<string>();

  constructor(private readonly root: string) {}

  /** Renames each file from its staged name to its final one; a file already moved (a redo) is fine. */
  async move(files: readonly FileEntry[]): Promise<void> {
    await Promise.all(
      files.map(async (f) => {
        const to = join(this.root, f.path);
        await this.ensureDir(dirname(to));
        try {
          await rename(join(this.root, f.tmp!), to);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ENOENT" || !(await exists(to))) throw e;
        }
        this.unsynced.add(dirname(to));
      }),
    );
  }

  /** Marks the directories of these files as not known to be durable (moves another process made). */
  remember(files: readonly FileEntry[]): void {
    for (const f of files) this.unsynced.add(dirname(join(this.root, f.path)));
  }

  /** Makes every move and directory creation so far durable. */
  async flush(): Promise<void> {
    if (this.unsynced.size === 0) return;
    const dirs = [...this.unsynced];
    await syncDirs(dirs);
    for (const d of dirs) this.unsynced.delete(d);
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.made.has(dir)) return;
    // A new directory's own name lives in its parent: those parents need the sync too.
    const first = await mkdir(dir, { recursive: true });
    if (first !== undefined) for (let d = dir; d.length >= first.length; d = dirname(d)) this.unsynced.add(dirname(d));
    this.made.add(dir);
  }
}
