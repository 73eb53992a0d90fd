import { errors } from "../errors.js";
import type { CheckpointFileSystem } from "./file-system.js";

type Fs = typeof import("node:fs/promises");
type Path = typeof import("node:path");

let modules: Promise<{ fs: Fs; path: Path; hostname: string }> | undefined;

/** Node's modules, loaded on first use so that bundles which never checkpoint never load `node:fs`. */
function node() {
  return (modules ??= Promise.all([import("node:fs/promises"), import("node:path"), import("node:os")]).then(([fs, path, os]) => ({
    fs,
    path,
    hostname: os.hostname(),
  })));
}

const LOCK_FILE = ".lock";

/** Checkpoint storage on the local file system (or any mounted one with atomic rename). */
export function nodeFileSystem(): CheckpointFileSystem {
  return {
    async read(file) {
      const { fs } = await node();
      try {
        return await fs.readFile(file, "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
    },

    async writeAtomic(file, data) {
      const { fs, path } = await node();
      const dir = path.dirname(file);
      const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomUUID()}.tmp`);
      const handle = await fs.open(tmp, "w");
      try {
        await handle.writeFile(data, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, file);
      // The rename is only durable once the directory entry is on disk.
      const dirHandle = await fs.open(dir, "r");
      try {
        await dirHandle.sync();
      } finally {
        await dirHandle.close();
      }
    },

    async list(dir) {
      const { fs } = await node();
      try {
        return await fs.readdir(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw e;
      }
    },

    async remove(file) {
      const { fs } = await node();
      await fs.rm(file, { force: true, recursive: true });
    },

    async mkdirs(dir) {
      const { fs } = await node();
      await fs.mkdir(dir, { recursive: true });
    },

    async lock(dir, owner) {
      const { fs, path, hostname } = await node();
      const file = path.join(dir, LOCK_FILE);
      const content = JSON.stringify({ pid: process.pid, host: hostname, owner, since: new Date().toISOString() });
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await fs.writeFile(file, content, { flag: "wx" });
          return async () => {
            await fs.rm(file, { force: true });
          };
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        }
        const holder = parseLock(await fs.readFile(file, "utf8").catch(() => ""));
        if (holder && holder.host === hostname && isAlive(holder.pid)) {
          throw errors.checkpointLocked(dir, holder.pid, holder.owner);
        }
        if (holder && holder.host !== hostname) throw errors.checkpointLocked(dir, holder.pid, `${holder.owner} on ${holder.host}`);
        await fs.rm(file, { force: true }); // left by a process that died: take it over
      }
      throw errors.checkpointLocked(dir, -1, "another process (the lock file keeps reappearing)");
    },

    join: (...parts) => parts.join("/").replace(/\/+/g, "/"),
  };
}

function parseLock(text: string): { pid: number; host: string; owner: string } | undefined {
  try {
    const v = JSON.parse(text);
    return typeof v?.pid === "number" ? { pid: v.pid, host: String(v.host), owner: String(v.owner) } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
