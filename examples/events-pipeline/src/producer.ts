/**
 * The seed's producer, in TypeScript: JSON `{ id, ts, value, source: "sim-producer" }` to the topic,
 * keyed by id, every 1/rate seconds (with `--malformed-rate 0.01`, one message in a hundred is
 * malformed: bad JSON, null, an array, wrong types, empty). It keeps a ledger of what was acknowledged (count and sum of
 * `value` per id) so validation can check the Parquet output exactly.
 *
 *   pnpm producer --rate 5 --ids 10 --duration 60
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import type { PipelineConfig } from "./config.js";
import { ledgerFile, readConfig } from "./config.js";

export interface Ledger {
  /** Good events sent (and acknowledged). */
  sent: number;
  /** Malformed messages sent (`--malformed-rate`): the dead-letter topic must hold each of them. */
  malformed: number;
  perId: Record<string, { count: number; sum: number }>;
}

/** The malformed messages the producer mixes in, in turn: the kinds a real topic carries. */
const MALFORMED: (string | null)[] = ["{bad json", "null", "[]", '{"id": "seven", "ts": 12, "value": "x", "source": 1}', ""];

export async function runProducer(
  config: PipelineConfig,
  signal?: AbortSignal,
  log: (line: string) => void = console.log,
): Promise<Ledger> {
  const kafka = new Kafka({ clientId: "sim-producer", brokers: config.brokers, logLevel: logLevel.NOTHING, retry: { retries: 8 } });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const ledger: Ledger = { sent: 0, malformed: 0, perId: {} };
  const file = ledgerFile(config);
  mkdirSync(dirname(file), { recursive: true });
  const started = Date.now();
  const intervalMs = 1000 / Math.max(config.rate, 0.001);
  let lastLog = started;
  try {
    for (let n = 0; ; n++) {
      if (signal?.aborted) break;
      if (config.duration > 0 && Date.now() - started >= config.duration * 1000) break;
      if (config.malformedRate > 0 && Math.random() < config.malformedRate) {
        await producer.send({
          topic: config.topic,
          messages: [{ key: "bad", value: MALFORMED[ledger.malformed % MALFORMED.length] ?? null }],
        });
        ledger.malformed++;
        continue;
      }
      const id = n % config.ids;
      const value = Math.round(Math.random() * 100_000) / 1000;
      const event = { id, ts: new Date().toISOString(), value, source: "sim-producer" };
      await producer.send({ topic: config.topic, messages: [{ key: String(id), value: JSON.stringify(event) }] });
      const slot = (ledger.perId[id] ??= { count: 0, sum: 0 });
      slot.count++;
      slot.sum += value;
      ledger.sent++;
      if (Date.now() - lastLog >= 5_000) {
        lastLog = Date.now();
        log(`[producer] ${ledger.sent} events sent, ${(ledger.sent / ((Date.now() - started) / 1000)).toFixed(1)}/s`);
        writeFileSync(file, JSON.stringify(ledger));
      }
      const wait = started + (n + 1) * intervalMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  } finally {
    writeFileSync(file, JSON.stringify(ledger));
    await producer.disconnect();
  }
  log(
    `[producer] done: ${ledger.sent} events${ledger.malformed ? ` and ${ledger.malformed} malformed messages` : ""} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return ledger;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  process.once("SIGTERM", () => controller.abort());
  await runProducer(readConfig(), controller.signal);
}
