import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { count, int, type MemoryStream, readStream, struct, sum, timestamp, window } from "../src/index.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary checkpoint directory, removed after the test. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "skp-chk-"));
  dirs.push(d);
  return d;
}

export const eventSchema = struct({ id: int(), ts: timestamp(), v: int() });
export type Event = { id: number; ts: number; v: number };

/** The window aggregation the checkpoint tests restart again and again. */
export function windowedSums(input: MemoryStream<typeof eventSchema>) {
  return readStream(input)
    .withWatermark("ts", "10 seconds")
    .groupBy(window("ts", "5 seconds"), "id")
    .agg(count().as("n"), sum("v").as("total"));
}

/** Ten batches over ~80 s of event time with some disorder and a late row. */
export const SCENARIO: Event[][] = [
  [
    { id: 1, ts: 1_000, v: 1 },
    { id: 2, ts: 2_000, v: 2 },
  ],
  [{ id: 1, ts: 7_000, v: 3 }],
  [
    { id: 2, ts: 21_000, v: 4 },
    { id: 1, ts: 4_000, v: 5 },
  ],
  [{ id: 1, ts: 30_000, v: 6 }],
  [{ id: 2, ts: 12_000, v: 7 }], // late: the watermark is 20 s
  [
    { id: 1, ts: 33_000, v: 8 },
    { id: 2, ts: 34_000, v: 9 },
  ],
  [{ id: 1, ts: 50_000, v: 10 }],
  [{ id: 2, ts: 47_000, v: 11 }],
  [{ id: 1, ts: 65_000, v: 12 }],
  [{ id: 2, ts: 80_000, v: 13 }],
];
