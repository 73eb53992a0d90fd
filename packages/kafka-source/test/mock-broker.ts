import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel } from "kafkajs";

const TOOL_DIR = join(dirname(fileURLToPath(import.meta.url)), "../../../tools/mock-kafka");
const SOURCE = join(TOOL_DIR, "mock-kafka.c");
const BINARY = join(TOOL_DIR, "build", "mock-kafka");

/** Compiles the librdkafka mock-cluster shim (needs `librdkafka-dev` and gcc) when missing or stale. */
export function buildMockBroker(): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return BINARY;
  mkdirSync(dirname(BINARY), { recursive: true });
  execFileSync("gcc", ["-O2", "-o", BINARY, SOURCE, "-lrdkafka"], { stdio: "inherit" });
  return BINARY;
}

export interface Broker {
  brokers: string[];
  /** Creates a topic (on the mock through the shim; on a real cluster through the admin API). */
  createTopic(name: string, partitions: number): Promise<void>;
  /** Mock only: takes broker 1 down or up. */
  setDown(down: boolean): Promise<void>;
  kafka: Kafka;
  stop(): Promise<void>;
}

/**
 * A Kafka for a test file: `KAFKA_BROKERS` (a real cluster) when set, otherwise librdkafka's mock
 * cluster — a real Kafka protocol implementation — started through the shim in tools/mock-kafka.
 */
export async function startBroker(): Promise<Broker> {
  const real = process.env.KAFKA_BROKERS;
  if (real) {
    const brokers = real.split(",");
    const kafka = new Kafka({ clientId: "skp-test", brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    return {
      brokers, kafka,
      async createTopic(name, partitions) { await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions }], waitForLeaders: true }); },
      async setDown() { throw new Error("broker outages can only be simulated on the mock cluster"); },
      async stop() { await admin.disconnect(); },
    };
  }
  const child = spawn(buildMockBroker(), [], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  lines.on("line", (line) => { const w = waiters.shift(); if (w) w(line); else queue.push(line); });
  const next = () => new Promise<string>((resolve, reject) => {
    const line = queue.shift();
    if (line !== undefined) return resolve(line);
    const timer = setTimeout(() => reject(new Error("mock broker did not answer")), 10_000);
    waiters.push((l) => { clearTimeout(timer); resolve(l); });
  });
  const bootstrap = await next();
  if (!bootstrap.startsWith("BOOTSTRAP ")) throw new Error(`mock broker: unexpected ${bootstrap}`);
  await next(); // READY
  const command = async (cmd: string) => {
    child.stdin!.write(`${cmd}\n`);
    const answer = await next();
    if (answer !== "OK") throw new Error(`mock broker: ${cmd} → ${answer}`);
  };
  const brokers = bootstrap.slice("BOOTSTRAP ".length).split(",");
  return {
    brokers,
    kafka: new Kafka({ clientId: "skp-test", brokers, logLevel: logLevel.NOTHING }),
    createTopic: (name, partitions) => command(`topic ${name} ${partitions}`),
    setDown: (down) => command(`${down ? "down" : "up"} 1`),
    async stop() {
      child.stdin!.end();
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/** Produces JSON events `{ id, ts, value, source }` keyed by id, in batches. */
export async function produceEvents(kafka: Kafka, topic: string, events: { id: number; ts: string | number; value: number; source?: string }[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  for (let i = 0; i < events.length; i += 1_000) {
    await producer.send({
      topic,
      messages: events.slice(i, i + 1_000).map((e) => ({ key: String(e.id), value: JSON.stringify({ source: "test", ...e }) })),
    });
  }
  await producer.disconnect();
}

export function produceRaw(kafka: Kafka, topic: string, values: (string | null)[], partition?: number) {
  return (async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: values.map((value) => ({ value, partition })) });
    await producer.disconnect();
  })();
}
