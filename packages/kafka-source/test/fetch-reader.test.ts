import { Kafka } from "kafkajs";
import { describe, expect, it } from "vitest";
import { FetchReader } from "../src/fetch/fetch-reader.js";
import type { KafkajsInternals, ProtocolRequest } from "../src/fetch/kafkajs-internals.js";
import { kafkajsInternals } from "../src/fetch/kafkajs-internals.js";
import { encodeBatch } from "./kafkajs-encoders.js";

/** A partition's log as encoded record batches (one record each), by base offset. */
type Log = { base: number; bytes: Buffer }[];

/** A Fetch v11 response as a broker writes it: per partition, whole batches up to its byte limit, the last one cut there. */
function fetchResponse(
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

/** kafkajs' cluster and broker, faked: one broker serving `logs`, cutting each partition at the byte limit asked. */
function fakeInternals(topic: string, logs: Map<number, Log>, asked: number[], stable?: number, error?: number): KafkajsInternals {
  const broker = {
    lookupRequest: () => (args: { topics: { partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[] }) => ({
      request: { apiKey: 1, apiVersion: 11, apiName: "Fetch", encode: async () => args },
      response: undefined as never,
    }),
    connectionPool: {
      async send({ request, response }: ProtocolRequest) {
        const args = (await request.encode()) as {
          topics: { partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
        };
        const parts = args.topics[0]!.partitions.map(({ partition, fetchOffset, maxBytes }) => {
          asked.push(maxBytes);
          const log = logs.get(partition)!;
          const from = log.findIndex((b) => b.base >= Number(fetchOffset));
          const records = Buffer.concat(log.slice(Math.max(0, from)).map((b) => b.bytes)).subarray(0, maxBytes);
          return { partition, high: log.length, stable, error, records };
        });
        return response.decode(fetchResponse(topic, parts));
      },
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

async function log(values: string[]): Promise<Log> {
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

describe("FetchReader (against a fake broker)", () => {
  it("a batch cut at the partition's byte limit is fetched again with room for all of it", async () => {
    const huge = "y".repeat(3 << 20); // bigger than the first fetch's 1 MB limit
    const logs = new Map([[0, await log(["a", huge, "b"])]]);
    const asked: number[] = [];
    const reader = new FetchReader(fakeInternals("t", logs, asked), ["t"], 5_000);
    await reader.start();
    const rows = await reader.read([{ topic: "t", partition: 0, from: 0, until: 3 }]);
    expect(rows[0]!.map((r) => Buffer.from(r.value!).toString())).toEqual(["a", huge, "b"]);
    expect(Math.max(...asked)).toBeGreaterThanOrEqual(huge.length);
    await reader.stop();
  });

  it("reports the last stable offset as the readable end, not the high watermark past an open transaction", async () => {
    const logs = new Map([[0, await log(["a", "b", "c", "d"])]]);
    const reader = new FetchReader(fakeInternals("t", logs, [], 2), ["t"], 5_000);
    await reader.start();
    await reader.read([{ topic: "t", partition: 0, from: 0, until: 2 }]);
    expect(reader.highWatermarks.get("t:0")).toBe(2);
    await reader.stop();
  });

  it("offsets gone from the broker while reading (OFFSET_OUT_OF_RANGE) fail clearly, not retried", async () => {
    const logs = new Map([[0, await log(["a", "b"])]]);
    const reader = new FetchReader(fakeInternals("t", logs, [], undefined, 1), ["t"], 5_000);
    await reader.start();
    const t0 = Date.now();
    await expect(reader.read([{ topic: "t", partition: 0, from: 0, until: 2 }])).rejects.toMatchObject({
      code: "KAFKA_DATA_LOSS",
      message: expect.stringMatching(/t-0: offset 0 is out of range/),
    });
    expect(Date.now() - t0).toBeLessThan(1_000);
    await reader.stop();
  });

  it("sizes fetches to what the range needs once it knows the records' size", async () => {
    const logs = new Map([[0, await log(Array.from({ length: 12_000 }, (_, i) => `value-${i}`.padEnd(200, ".")))]]);
    const asked: number[] = [];
    const reader = new FetchReader(fakeInternals("t", logs, asked), ["t"], 5_000);
    await reader.start();
    for (let from = 0; from < 12_000; from += 500) {
      const rows = await reader.read([{ topic: "t", partition: 0, from, until: from + 500 }]);
      expect(rows[0]!.map((r) => r.offset)).toEqual(Array.from({ length: 500 }, (_, i) => from + i));
    }
    // 1 MB first (≈ 3,700 records of ≈ 280 bytes); after that at most about a range's worth per fetch
    // (less when part of the range was already fetched), and at most two fetches per range.
    expect(asked[0]).toBe(1 << 20);
    for (const bytes of asked.slice(1)) expect(bytes).toBeLessThan(500 * 400);
    expect(asked.length).toBeLessThanOrEqual(2 * 24);
    await reader.stop();
  });
});
