import { describe, expect, it } from "vitest";
import { Checkpoint } from "../src/checkpoint/checkpoint.js";
import { nodeFileSystem } from "../src/checkpoint/node-file-system.js";
import { MemoryStream, memorySink } from "../src/index.js";
import { DiskStateStoreProvider } from "../src/state/disk-state-provider.js";
import { FileStateStoreProvider } from "../src/state/file-state-store.js";
import type { StateStore, StateStoreProvider } from "../src/state/state-store.js";
import { eventSchema, SCENARIO, tempDir, windowedSums } from "./checkpoint-helpers.js";

type Value = { n: number; tags: string[] };

/** A checkpoint and a store provider of each kind over it. */
const kinds: [string, (c: Checkpoint) => StateStoreProvider][] = [
  ["memory (file-checkpointed)", (c) => new FileStateStoreProvider(c.fs, c.stateRoot, 2)],
  ["disk (LMDB)", (c) => new DiskStateStoreProvider({ fs: c.fs, root: c.stateRoot })],
];

async function openAt(dir: string, make: (c: Checkpoint) => StateStoreProvider, version: number) {
  const checkpoint = await Checkpoint.open(nodeFileSystem(), dir, { sources: [] } as never, "test");
  const store = await make(checkpoint).open<Value>(1, version);
  return {
    store,
    async close() {
      await store.persist?.();
      await store.close?.();
      await checkpoint.close();
    },
  };
}

const contents = (store: StateStore<Value>) => Object.fromEntries([...store.entries()].sort(([a], [b]) => a.localeCompare(b)));

describe.each(kinds)("state store contract: %s", (_kind, make) => {
  it("a batch's writes are read back at once, commit makes a version, abort restores the last one", async () => {
    const { store, close } = await openAt(tempDir(), make, 0);
    store.put("a", { n: 1, tags: ["x"] });
    store.put("b", { n: 2, tags: [] });
    expect(store.get("a")).toEqual({ n: 1, tags: ["x"] });
    expect(store.size).toBe(2);
    expect(store.commit()).toBe(1);
    store.put("a", { n: 10, tags: ["y"] });
    store.remove("b");
    store.put("c", { n: 3, tags: [] });
    expect(store.size).toBe(2);
    expect(contents(store)).toEqual({ a: { n: 10, tags: ["y"] }, c: { n: 3, tags: [] } });
    store.abort();
    expect(contents(store)).toEqual({ a: { n: 1, tags: ["x"] }, b: { n: 2, tags: [] } });
    expect(store.size).toBe(2);
    expect(store.version).toBe(1);
    store.remove("a");
    expect(store.get("a")).toBeUndefined();
    expect(store.commit()).toBe(2);
    expect(contents(store)).toEqual({ b: { n: 2, tags: [] } });
    await close();
  });

  it("reopens at any version still needed: the latest, or an older one a re-run batch starts from", async () => {
    const dir = tempDir();
    let { store, close } = await openAt(dir, make, 0);
    const versions: Record<string, Value>[] = [{}];
    for (let v = 1; v <= 5; v++) {
      store.put(`k${v}`, { n: v, tags: [String(v)] });
      if (v > 2) store.remove(`k${v - 2}`);
      if (v === 4) store.put("k3", { n: 33, tags: [] });
      store.commit();
      versions.push(contents(store));
      await store.persist?.();
    }
    await close();
    for (const v of [5, 4, 3]) {
      ({ store, close } = await openAt(dir, make, v));
      expect(store.version).toBe(v);
      expect(contents(store)).toEqual(versions[v]);
      expect(store.size).toBe(Object.keys(versions[v]!).length);
      await close();
    }
  });

  it("a value changed in place after it was read does not change the version it was read from", async () => {
    const dir = tempDir();
    let { store, close } = await openAt(dir, make, 0);
    store.put("k", { n: 1, tags: ["a"] });
    store.commit();
    await store.persist?.();
    const v = store.get("k")!;
    v.n = 99; // an operator mutating what it read, then writing it back
    v.tags.push("b");
    store.put("k", v);
    store.commit();
    await close();
    ({ store, close } = await openAt(dir, make, 1));
    expect(store.get("k")).toEqual({ n: 1, tags: ["a"] });
    await close();
  });
});

describe("a query on the disk store", () => {
  it("stopping and restarting after every step gives the same output as an uninterrupted run on the memory store", async () => {
    const run = async (stateStore: "memory" | "disk", restartEachStep: boolean) => {
      const dir = tempDir();
      const input = new MemoryStream(eventSchema, { name: "events" });
      const sink = memorySink();
      const start = () =>
        windowedSums(input).writeStream.format(sink).option("checkpointLocation", dir).option("stateStore", stateStore).start();
      let q = await start();
      for (const batch of SCENARIO) {
        input.addData(batch);
        await q.processAllAvailable();
        if (restartEachStep) {
          await q.stop();
          q = await start();
        }
      }
      await q.stop();
      return sink.batches;
    };
    const expected = await run("memory", false);
    expect(expected.length).toBeGreaterThan(3);
    expect(await run("disk", true)).toEqual(expected);
  });

  it("refuses to switch a checkpoint between stores, and unknown stores", async () => {
    const dir = tempDir();
    const input = new MemoryStream(eventSchema, { name: "events" });
    const q = await windowedSums(input)
      .writeStream.format(memorySink())
      .option("checkpointLocation", dir)
      .option("stateStore", "disk")
      .start();
    input.addData(SCENARIO[0]!);
    await q.processAllAvailable();
    await q.stop();
    await expect(windowedSums(input).writeStream.format(memorySink()).option("checkpointLocation", dir).start()).rejects.toThrow(
      /option "stateStore" changed from "disk" to "memory"/,
    );
    await expect(
      windowedSums(input)
        .writeStream.format(memorySink())
        .option("stateStore", "rocks" as never)
        .start(),
    ).rejects.toThrow(/stateStore/);
  });
});
