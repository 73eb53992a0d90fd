import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runHarness } from "../scripts/crash-harness.js";

describe("crash harness (short version; `pnpm crash-harness` runs 100+ kills)", () => {
  it("kill -9 at random moments, 10 times: the sink holds exactly the uninterrupted run's rows", async () => {
    const child = fileURLToPath(new URL("../scripts/crash-child.ts", import.meta.url));
    const r = await runHarness({ kills: 10, child, args: ["3000"] });
    expect(r.kills).toBe(10);
    expect(r.expectedRows).toBeGreaterThan(500);
    expect({ duplicates: r.duplicates, missing: r.missing, unexpected: r.unexpected, batchesDiffering: r.batchesDiffering }).toEqual({
      duplicates: 0,
      missing: 0,
      unexpected: 0,
      batchesDiffering: 0,
    });
    expect(r.committedRows).toBe(r.expectedRows);
  }, 180_000);

  it("the window query with its state on disk (LMDB), kill -9 10 times: exactly the uninterrupted run's rows", async () => {
    const child = fileURLToPath(new URL("../scripts/crash-child.ts", import.meta.url));
    process.env.SKP_STATE_STORE = "disk"; // the children inherit it
    try {
      const r = await runHarness({ kills: 10, child, args: ["3000"] });
      expect(r.kills).toBe(10);
      expect([r.duplicates, r.missing, r.unexpected, r.batchesDiffering]).toEqual([0, 0, 0, 0]);
      expect(r.committedRows).toBe(r.expectedRows);
    } finally {
      delete process.env.SKP_STATE_STORE;
    }
  }, 180_000);

  it.each(["join", "dedup"])(
    "a %s query, kill -9 10 times: exactly the uninterrupted run's rows, batch for batch",
    async (kind) => {
      const child = fileURLToPath(new URL("../scripts/crash-child.ts", import.meta.url));
      const r = await runHarness({ kills: 10, child, args: ["2000", kind] });
      expect(r.kills).toBe(10);
      expect(r.expectedRows).toBeGreaterThan(1_000);
      expect([r.duplicates, r.missing, r.unexpected, r.batchesDiffering]).toEqual([0, 0, 0, 0]);
    },
    180_000,
  );
});
