import { describe, expect, it } from "vitest";
import { parseDuration } from "../src/index.js";
import { MemoryStateStore } from "../src/state/memory-state-store.js";

describe("parseDuration", () => {
  it.each([
    ["10 seconds", 10_000],
    ["1 minute", 60_000],
    ["500 milliseconds", 500],
    ["2 hours", 7_200_000],
    ["1 minute 30 seconds", 90_000],
    ["interval 5 seconds", 5_000],
    ["1.5 seconds", 1_500],
    ["3 days", 259_200_000],
    ["10s", 10_000],
    [250, 250],
  ])("%s → %i ms", (input, ms) => expect(parseDuration(input)).toBe(ms));

  it.each(["", "ten seconds", "10 lightyears", "10", "seconds", Number.NaN])("refuses %s", (input) => {
    expect(() => parseDuration(input as string)).toThrow(/Invalid duration/);
  });

  it("refuses negative durations", () => {
    expect(() => parseDuration(-1, "delay")).toThrow(/delay must not be negative/);
    expect(() => parseDuration("-3 seconds", "delay")).toThrow(/delay must not be negative/);
  });
});

describe("MemoryStateStore", () => {
  it("commit makes a version; abort restores the last committed one", () => {
    const store = new MemoryStateStore<number>();
    store.put("a", 1);
    store.put("b", 2);
    expect(store.commit()).toBe(1);
    store.put("a", 10);
    store.remove("b");
    store.put("c", 3);
    expect([...store.entries()]).toEqual([
      ["a", 10],
      ["c", 3],
    ]);
    store.abort();
    expect([...store.entries()]).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    expect(store.version).toBe(1);
    store.remove("a");
    expect(store.commit()).toBe(2);
    expect(store.size).toBe(1);
  });
});
