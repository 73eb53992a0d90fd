import { errors } from "../errors.js";
import type { AppendFile, CheckpointFileSystem } from "./file-system.js";
import { writeThread } from "./write-thread.js";

type Fs = typeof import("node:fs/promises");
type Path = typeof import("node:path");

let modules: Promise<{ fs: Fs; path: Path; hostname: string; fsConstants: typeof import("node:fs").constants }> | undefined;

/** Node's modules, loaded on first use so that bundles which never checkpoint never load `node:fs`. */
function node() {
  return (modules ??= Promise.all([import("node:fs/promises"), import("node:path"), import("node:os")]).then(([fs, path, os]) => ({
    fs,
    path,
    hostname: os.hostname(),
    fsConstants: fs.constants,
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

    async writeAtomic(file, data, options) {
      const { fs, path } = await node();
      const dir = path.dirname(file);
      const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomUUID()}.tmp`);
      if (options?.durable === false && options.atomic === false) return fs.writeFile(file, data, "utf8");
      if (options?.durable === false) {
        await fs.writeFile(tmp, data, "utf8");
        await fs.rename(tmp, file);
        return;
      }
      const handle = await fs.open(tmp, "w");
      try {
        await handle.writeFile(data, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, file);
      // The rename is only durable once the directory entry is on disk.
      await syncDir(fs, dir);
    },

    async readBytes(file) {
      const { fs } = await node();
      try {
        return await fs.readFile(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
    },

    async readRange(file, at, length) {
      const { fs } = await node();
      let handle: Awaited<ReturnType<Fs["open"]>>;
      try {
        handle = await fs.open(file, "r");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
      }
      try {
        const out = new Uint8Array(length);
        const { bytesRead } = await handle.read(out, 0, length, at);
        return out.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },

    async openAppend(file, options): Promise<AppendFile> {
      const { fs, path, fsConstants } = await node();
      const size = await fs.stat(file).then(
        (st) => st.size,
        () => -1,
      );
      const { O_WRONLY, O_CREAT, O_DSYNC } = fsConstants;
      const handle = await fs.open(file, O_WRONLY | O_CREAT | O_DSYNC);
      let position = Math.max(size, 0);
      if (size < 0) {
        // Zeros written ahead: a durable write into them changes no file size, so it needs no
        // journal commit of the file system's metadata, only the data (half the latency here).
        if (options?.preallocate) await handle.write(new Uint8Array(options.preallocate), 0, options.preallocate, 0);
        await handle.sync();
        await syncDir(fs, path.dirname(file));
      }
      // Through the process's write thread when it has room (see write-thread.ts), else libuv's pool.
      const threaded = (await writeThread())?.open(handle.fd);
      const drain = () => threaded?.drain();
      return {
        write: async (data) => {
          const at = position; // reserved now: writes may overlap
          position += data.length;
          if (threaded) return threaded.write(at, data);
          let done = 0;
          while (done < data.length) done += (await handle.write(data, done, data.length - done, at + done)).bytesWritten;
        },
        writesDone: threaded && (() => threaded.writesDone()),
        sync: async () => {
          await drain();
          await handle.datasync();
        },
        truncate: async (n) => {
          await drain();
          await handle.truncate(n);
          position = n;
        },
        close: async () => {
          await drain();
          threaded?.release();
          await handle.close();
        },
      };
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

async function syncDir(fs: Fs, dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
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
