import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runHarness } from "../../core/scripts/crash-harness.js";
import { kafkaFixture } from "../../kafka-source/test/fixtures.js";
import { readTopic } from "./read-topic.js";

const kafka = kafkaFixture("skp-sink-crash");

describe("kafkaSink under kill -9 (at-least-once on the mock: no transactions there)", () => {
  it("no message lost; every replayed message is identifiable by its batch id, and a replay repeats its batch exactly", async () => {
    let replayedBatches = 0;
    /** The topic's messages as one JSON array per batch id, after checking every copy of a batch is the same. */
    const readOutput = async (workDir: string) => {
      const topic = readFileSync(join(workDir, "topic"), "utf8");
      const copies = new Map<string, Map<string, string[]>>(); // batch id → copy (query run) → values
      for (const m of await readTopic(kafka.broker, topic)) {
        const batch = m.headers["skp-batch-id"] as string;
        const byRun = copies.get(batch) ?? new Map<string, string[]>();
        copies.set(batch, byRun);
        // Each write of a batch is one send per key partition; group copies by the order they landed.
        const copy = `${m.partition}`;
        const list = byRun.get(copy) ?? [];
        byRun.set(copy, list);
        list.push(String(m.value));
      }
      const out = new Map<string, string>();
      for (const [batch, byPartition] of copies) {
        const rows: unknown[] = [];
        for (const values of byPartition.values()) {
          // A replay wrote the batch again: the partition holds it twice (or more), copy after copy.
          const unique = [...new Set(values)];
          if (values.length > unique.length) replayedBatches++;
          for (const v of unique) rows.push(JSON.parse(v));
        }
        out.set(`batch-${batch.padStart(6, "0")}`, JSON.stringify(rows.sort((a: any, b: any) => a.i - b.i)));
      }
      return out;
    };
    const r = await runHarness({
      kills: 10,
      child: fileURLToPath(new URL("./sink-crash-child.ts", import.meta.url)),
      args: ["6000", kafka.broker.brokers.join(",")],
      readOutput,
      maxKillDelayMs: 400,
    });
    expect(r.kills).toBe(10);
    expect(r.expectedRows).toBe(6_000 * r.completedRuns);
    expect([r.missing, r.unexpected, r.duplicates, r.batchesDiffering]).toEqual([0, 0, 0, 0]);
    // A kill between the sink's write and the checkpoint's commit replays a batch: seen, and harmless.
    console.log(`kafkaSink crash test: ${r.kills} kills, ${r.completedRuns} completed runs, ${replayedBatches} batch parts written twice`);
  }, 300_000);
});
