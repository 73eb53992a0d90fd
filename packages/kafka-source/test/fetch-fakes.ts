import { Kafka } from "kafkajs";
import type { KafkajsInternals, ProtocolRequest } from "../src/fetch/kafkajs-internals.js";
import { kafkajsInternals } from "../src/fetch/kafkajs-internals.js";
import { encodeBatch } from "./kafkajs-encoders.js";

/** A partition's log as encoded record batches (one record each), by base offset. */
export type Log = { base: number; bytes: Buffer }[];

/** A Fetch v11 response as a broker writes it: per partition, whole batches up to its byte limit, the last one cut there. */
export function fetchResponse(
  topic: string,
  parts: { partition: number; high: number; stable?: number; error?: number; records: Buffer }[],
): Buffer {
  const chunks: Buffer[] = [];
  const i16 = (v: number) => {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    chunks.push(b);
  };
  const i32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    chunks.push(b);
  };
  const i64 = (v: number) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
    chunks.push(b);
  };
  i32(0);
  i16(0);
  i32(0); // throttle, error, session
  i32(1);
  i16(Buffer.byteLength(topic));
  chunks.push(Buffer.from(topic));
  i32(parts.length);
  for (const p of parts) {
    i32(p.partition);
    i16(p.error ?? 0);
    i64(p.high);
    i64(p.stable ?? p.high);
    i64(0);
    i32(0);
    i32(-1);
    i32(p.records.length);
    chunks.push(p.records);
  }
  return Buffer.concat(chunks);
}

/**
 * kafkajs' internals as the readers use them, faked: one broker (node "1") leading every partition,
 * whose Fetch requests `send` answers — with the encoded arguments, and the response decoder to apply.
 */
function oneBroker(send: (args: any, decode: (raw: Buffer) => Promise<unknown>) => Promise<unknown>): KafkajsInternals {
  const broker = {
    lookupRequest: () => (args: unknown) => ({
      request: { apiKey: 1, apiVersion: 11, apiName: "Fetch", encode: async () => args },
      response: undefined as never,
    }),
    connectionPool: {
      send: async ({ request, response }: ProtocolRequest) => send(await request.encode(), (raw) => response.decode(raw)),
    },
    disconnect: async () => {},
  };
  const cluster = {
    connect: async () => {},
    disconnect: async () => {},
    addMultipleTargetTopics: async () => {},
    refreshMetadata: async () => {},
    findLeaderForPartitions: (_: string, partitions: number[]) => ({ "1": partitions }),
    findBroker: async () => broker,
  };
  // kafkajs' own errors for protocol codes (type, retriable), as the reader gets them from a real broker.
  const { protocolError } = kafkajsInternals(new Kafka({ brokers: ["unused:9092"] }))!;
  return { createCluster: () => cluster, fetchDefinition: {}, fetchApiKey: 1, protocolError } as unknown as KafkajsInternals;
}

/** kafkajs' cluster and broker, faked: one broker serving `logs`, cutting each partition at the byte limit asked. */
export function fakeInternals(topic: string, logs: Map<number, Log>, asked: number[], stable?: number, error?: number): KafkajsInternals {
  return oneBroker(async (args: { topics: { partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[] }, decode) => {
    const parts = args.topics[0]!.partitions.map(({ partition, fetchOffset, maxBytes }) => {
      asked.push(maxBytes);
      const log = logs.get(partition)!;
      const from = log.findIndex((b) => b.base >= Number(fetchOffset));
      const records = Buffer.concat(log.slice(Math.max(0, from)).map((b) => b.bytes)).subarray(0, maxBytes);
      return { partition, high: log.length, stable, error, records };
    });
    return decode(fetchResponse(topic, parts));
  });
}

export async function log(values: string[]): Promise<Log> {
  return Promise.all(
    values.map(async (v, base) => ({
      base,
      bytes: await encodeBatch({
        baseOffset: base,
        firstTimestamp: 0,
        records: [{ offsetDelta: 0, timestampDelta: 0, key: null, value: Buffer.from(v) }],
      }),
    })),
  );
}

/**
 * A broker that long-polls as Kafka does: a Fetch with nothing past its offsets is held until a record
 * is appended to one of its partitions (answered at once) or `maxWaitTime` passes — which librdkafka's
 * mock cluster does not do (it always holds the full wait).
 */
export function longPollBroker(topic: string, partitions: number) {
  const logs = new Map<number, Log>(Array.from({ length: partitions }, (_, p) => [p, []]));
  const waiting = new Set<() => void>();
  const state = { fetches: 0, held: 0 };
  const answer = (asked: { partition: number; fetchOffset: string }[]) =>
    asked.map(({ partition, fetchOffset }) => {
      const log = logs.get(partition)!;
      const from = log.findIndex((b) => b.base >= Number(fetchOffset));
      return { partition, high: log.length, records: from < 0 ? Buffer.alloc(0) : Buffer.concat(log.slice(from).map((b) => b.bytes)) };
    });
  const internals = oneBroker(
    async (args: { maxWaitTime: number; topics: { partitions: { partition: number; fetchOffset: string }[] }[] }, decode) => {
      state.fetches++;
      const asked = args.topics[0]!.partitions;
      if (answer(asked).every((p) => p.records.length === 0)) {
        state.held++;
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(timer);
            waiting.delete(wake);
            resolve();
          };
          const timer = setTimeout(wake, args.maxWaitTime);
          waiting.add(wake);
        });
      }
      return decode(fetchResponse(topic, answer(asked)));
    },
  );
  return {
    internals,
    state,
    /** Appends a record to a partition and answers the fetches held for it. */
    async append(partition: number, value: string) {
      const log = logs.get(partition)!;
      const [batch] = await (async () => {
        const base = log.length;
        const bytes = await encodeBatch({
          baseOffset: base,
          firstTimestamp: Date.now(),
          records: [{ offsetDelta: 0, timestampDelta: 0, key: null, value: Buffer.from(value) }],
        });
        return [{ base, bytes }];
      })();
      log.push(batch!);
      for (const wake of [...waiting]) wake();
    },
  };
}
