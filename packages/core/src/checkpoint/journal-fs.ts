import type { CheckpointFileSystem } from "./file-system.js";
import { Journal } from "./journal.js";

/**
 * The checkpoint's file system as its logs and state stores see it: the entries the journal covers
 * (`offsets/N`, `commits/N`, state deltas) are read from and appended to the journal — a write returns
 * once it is queued, and `journal.sync()` is the durability barrier — and every other path is the
 * underlying file system. Paths outside the checkpoint directory pass straight through.
 */
export function journaledFileSystem(fs: CheckpointFileSystem, dir: string, journal: Journal): CheckpointFileSystem {
  const prefix = `${dir.replace(/\/+$/, "")}/`;
  const relative = (path: string): string | undefined => {
    if (!path.startsWith(prefix)) return undefined;
    const rel = path.slice(prefix.length);
    return Journal.covers(rel) ? rel : undefined;
  };
  return {
    ...fs,
    async read(path) {
      const rel = relative(path);
      if (rel === undefined) return fs.read(path);
      return (await journal.read(rel)) ?? (journal.hasFile(rel) ? fs.read(path) : undefined);
    },
    async writeAtomic(path, data, options) {
      const rel = relative(path);
      if (rel === undefined) return fs.writeAtomic(path, data, options);
      journal.append({ path: rel, text: data });
    },
    async list(path) {
      if (!path.startsWith(prefix)) return fs.list(path);
      const dir = path.slice(prefix.length).replace(/\/+$/, "");
      const journaled = journal.names(dir);
      // offsets/ and commits/ hold only journaled entries; a state directory also holds snapshots.
      if (dir === "offsets" || dir === "commits") return journaled;
      return [...new Set([...(await fs.list(path)), ...journaled])];
    },
    async remove(path) {
      const rel = relative(path);
      if (rel === undefined) return fs.remove(path);
      journal.remove(rel); // its file goes after any write of it still queued
    },
  };
}
