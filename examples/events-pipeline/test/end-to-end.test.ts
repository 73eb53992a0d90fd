import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { MockKafka } from "../../../tools/mock-kafka/mock-kafka.js";
import { startMockKafka } from "../../../tools/mock-kafka/mock-kafka.js";
import { readConfig } from "../src/config.js";
import { startJob } from "../src/job.js";
import { runProducer } from "../src/producer.js";
import { validate } from "../src/validate.js";

let mock: MockKafka;
let output: string;
beforeAll(async () => {
  mock = await startMockKafka(["events:3", "events-dlq:1", "events-avg:3"]);
  output = mkdtempSync(join(tmpdir(), "skp-e2e-"));
});
afterAll(async () => {
  await mock.stop();
  rmSync(output, { recursive: true, force: true });
});

it("the whole pipeline: producer → Kafka (mock cluster) → job → partitioned Parquet, checked against what was sent", async () => {
  const config = readConfig(
    [
      "--brokers",
      mock.brokers.join(","),
      "--rate",
      "40",
      "--ids",
      "5",
      "--duration",
      "6",
      "--run-id",
      "e2e",
      "--output",
      output,
      "--malformed-rate",
      "0.05",
    ],
    {},
  );
  const tables: string[] = [];
  const job = await startJob(config, { print: (t) => tables.push(t), consoleEvery: "1 second", status: false });
  const ledger = await runProducer(config, undefined, () => {});
  await job.drain();
  await job.stop();
  const result = await validate(config);
  expect(ledger.sent).toBeGreaterThan(150);
  expect(result.rows).toBe(ledger.sent);
  // Malformed messages: none in Parquet, each in the dead-letter topic once.
  expect(ledger.malformed).toBeGreaterThan(0);
  expect(result.deadLetters).toBe(ledger.malformed);
  expect(result.matches).toBe(true);
  expect(result.perId.map((p) => p.id)).toEqual([0, 1, 2, 3, 4]);
  for (const p of result.perId) {
    expect(p.rows).toBe(ledger.perId[p.id]!.count);
    expect(p.avg).toBeCloseTo(ledger.perId[p.id]!.sum / ledger.perId[p.id]!.count, 9);
  }
  // Both console outputs ran: Spark's header, the parsed rows and the windowed averages.
  expect(tables.some((t) => /Batch: \d+/.test(t) && t.includes("sim-producer"))).toBe(true);
  expect(tables.some((t) => t.includes("avg_value") && t.includes("window"))).toBe(true);
});
