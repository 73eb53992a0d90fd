import { closeSync, constants, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AppendFile, CheckpointFileSystem } from "../src/checkpoint/file-system.js";
import { Journal } from "../src/checkpoint/journal.js";
import { nodeFileSystem } from "../src/checkpoint/node-file-system.js";
import { WriteThread, writeThread } from "../src/checkpoint/write-thread.js";
import { tempDir } from "./checkpoint-helpers.js";

const bytes = (text: string) => new TextEncoder().encode(text);
/** Whether `promise` settles before the event loop turns (only microtasks run in between). */
async function settlesWithoutTurn(promise: Promise<unknown>): Promise<boolean> {
  let turned = false;
  const timer = setImmediate(() => (turned = true));
  await promise;
  clearImmediate(timer);
  return !turned;
}
function spinUntil(done: () => boolean): void {
  const end = Date.now() + 5_000;
  while (!done()) if (Date.now() > end) throw new Error("the write thread did not finish in 5 s");
}

describe("checkpoint write thread", () => {
  it("writes at the given places and counts each file's finished writes in shared memory", async () => {
    const thread = (await writeThread())!;
    const path = join(tempDir(), "f");
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_DSYNC);
    const file = thread.open(fd)!;
    const writes = [file.write(0, bytes("abc")), file.write(3, bytes("def")), file.write(1, bytes("X"))];
    await Promise.all(writes);
    expect(file.writesDone()).toBe(3);
    expect(readFileSync(path, "utf8")).toBe("aXcdef");
    await file.drain();
    file.release();
    closeSync(fd);
  });

  it("fails only the file whose write failed, refusing its later writes; other files go on", async () => {
    const thread = (await writeThread())!;
    const dir = tempDir();
    const readOnly = openSync(join(dir, "ro"), constants.O_RDONLY | constants.O_CREAT); // writes fail: EBADF
    const good = openSync(join(dir, "ok"), constants.O_WRONLY | constants.O_CREAT);
    const bad = thread.open(readOnly)!;
    const fine = thread.open(good)!;
    const failed = bad.write(0, bytes("x"));
    const later = bad.write(1, bytes("y"));
    await expect(failed).rejects.toMatchObject({ code: "EBADF" });
    await expect(later).rejects.toMatchObject({ code: "EBADF" });
    await expect(bad.write(2, bytes("z"))).rejects.toMatchObject({ code: "EBADF" });
    await fine.write(0, bytes("ok"));
    expect(readFileSync(join(dir, "ok"), "utf8")).toBe("ok");
    expect(bad.writesDone()).toBe(0);
    for (const f of [bad, fine]) {
      await f.drain();
      f.release();
    }
    closeSync(readOnly);
    closeSync(good);
  });

  it("fails every file of a thread that died, and opens no more files on it", async () => {
    const thread = (await WriteThread.start())!; // a thread of its own, not the process's
    const fd = openSync(join(tempDir(), "f"), constants.O_WRONLY | constants.O_CREAT);
    const file = thread.open(fd)!;
    await file.write(0, bytes("before"));
    await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(file.write(6, bytes("after"))).rejects.toThrow(/write thread exited/);
    expect(thread.open(fd)).toBeUndefined(); // the caller falls back to libuv's pool
    closeSync(fd);
  });

  it("lets the journal see a finished write as durable without an event-loop turn", async () => {
    const journal = await Journal.open(nodeFileSystem(), tempDir());
    const thread = (await writeThread())!;
    for (let i = 0; i < 20; i++) {
      const before = Atomics.load(thread.shared, 0);
      journal.append({ path: `offsets/${i}`, text: `batch ${i}` });
      const position = journal.position;
      void journal.sync(position);
      spinUntil(() => Atomics.load(thread.shared, 0) > before); // the batch computes meanwhile
      expect(await settlesWithoutTurn(journal.durableAt(position))).toBe(true);
    }
    await journal.close();
  });

  it("makes the journal wait for a write its file does not report finished yet", async () => {
    let done = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fs: CheckpointFileSystem = {
      ...nodeFileSystem(),
      openAppend: async (): Promise<AppendFile> => ({
        write: () => gate.then(() => void done++),
        writesDone: () => done,
        sync: async () => {},
        truncate: async () => {},
        close: async () => {},
      }),
    };
    const journal = await Journal.open(fs, tempDir());
    journal.append({ path: "offsets/0", text: "x" });
    let durable = false;
    const sync = journal.sync().then(() => (durable = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(durable).toBe(false);
    done = 1; // reported finished, its promise not yet resolved: the next question sees it
    expect(await settlesWithoutTurn(journal.durableAt(journal.position))).toBe(true);
    release();
    await sync;
    await journal.close();
  });
});
