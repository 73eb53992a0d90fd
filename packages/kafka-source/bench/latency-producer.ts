/**
 * The latency bench's other process: the Kafka-like proxy in front of the mock, and a producer that
 * sends `{t: send time}` at a steady rate — so the query under test shares its process with neither.
 * Driven by IPC: `{ proxy: upstream }` → `{ proxy: address }`; `{ produce: { brokers, topic, rate, seconds } }` → `{ produced: n }`.
 */
import { Kafka, logLevel } from "kafkajs";
import type { LongPollProxy } from "./long-poll-proxy.js";
import { startLongPollProxy } from "./long-poll-proxy.js";

const TICK_MS = 5;
const now = () => performance.timeOrigin + performance.now();
let proxy: LongPollProxy | undefined;

async function produce(brokers: string[], topic: string, rate: number, seconds: number): Promise<number> {
  const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000));
  const t0 = Date.now();
  let sent = 0;
  while (Date.now() - t0 < seconds * 1000) {
    const t = now();
    await producer.send({ topic, acks: 1, messages: Array.from({ length: perTick }, () => ({ value: `{"t":${t}}` })) });
    sent += perTick;
    const ahead = t0 + (sent / rate) * 1000 - Date.now();
    if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
  }
  await producer.disconnect();
  return sent;
}

process.on(
  "message",
  async (m: { proxy?: string; produce?: { brokers: string[]; topic: string; rate: number; seconds: number }; exit?: true }) => {
    if (m.proxy) {
      proxy = await startLongPollProxy(m.proxy);
      process.send!({ proxy: proxy.broker });
    } else if (m.produce) {
      const { brokers, topic, rate, seconds } = m.produce;
      process.send!({ produced: await produce(brokers, topic, rate, seconds) });
    } else if (m.exit) {
      await proxy?.close();
      process.exit(0);
    }
  },
);
