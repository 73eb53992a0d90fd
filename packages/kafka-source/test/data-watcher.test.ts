import { describe, expect, it } from "vitest";
import { DataWatcher } from "../src/fetch/data-watcher.js";
import { longPollBroker } from "./fetch-fakes.js";

describe("DataWatcher (against a broker that long-polls as Kafka does)", () => {
  it("wakes within milliseconds of a record arriving, not after the fetch wait", async () => {
    const broker = longPollBroker("t", 3);
    const ends = new Map<string, number>();
    const watcher = new DataWatcher(broker.internals, ["t"], 5_000, (key, high) => ends.set(key, high));
    await watcher.start();
    const t0 = performance.now();
    const woke = watcher.watch({ t: { 0: 0, 1: 0, 2: 0 } });
    setTimeout(() => void broker.append(2, "x"), 50);
    expect(await woke).toBe(true);
    expect(Object.fromEntries(ends)).toEqual({ "t:2": 1 }); // the new end, for the next batch's plan
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(45);
    expect(ms).toBeLessThan(500); // the broker holds it 5 s without data
    await watcher.stop();
  });

  it("loses no wake-up: data already there when the watch starts answers at once", async () => {
    const broker = longPollBroker("t", 2);
    await broker.append(1, "early");
    const watcher = new DataWatcher(broker.internals, ["t"], 5_000);
    await watcher.start();
    const t0 = performance.now();
    expect(await watcher.watch({ t: { 0: 0, 1: 0 } })).toBe(true);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(broker.state.held).toBe(0);
    await watcher.stop();
  });

  it("is not a busy loop: with no data, one fetch per wait, then false", async () => {
    const broker = longPollBroker("t", 4);
    const watcher = new DataWatcher(broker.internals, ["t"], 120);
    await watcher.start();
    const t0 = performance.now();
    expect(await watcher.watch({ t: { 0: 0, 1: 0, 2: 0, 3: 0 } })).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(110);
    expect(broker.state.fetches).toBe(1); // one leader, one held fetch for all four partitions
    await watcher.stop();
  });

  it("watches from the given offsets: records below them do not wake it", async () => {
    const broker = longPollBroker("t", 1);
    await broker.append(0, "a");
    await broker.append(0, "b");
    const watcher = new DataWatcher(broker.internals, ["t"], 100);
    await watcher.start();
    expect(await watcher.watch({ t: { 0: 2 } })).toBe(false);
    setTimeout(() => void broker.append(0, "c"), 20);
    expect(await watcher.watch({ t: { 0: 2 } })).toBe(true);
    await watcher.stop();
  });
});
