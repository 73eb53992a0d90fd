import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeFetchResponse } from "../src/fetch/fetch-response.js";
import { decodeRecordBatches, RecordFormatError } from "../src/fetch/record-batches.js";
import type { KafkaRow } from "../src/kafka-row.js";
import type { TestBatch } from "./kafkajs-encoders.js";
import { encodeBatch } from "./kafkajs-encoders.js";

const T0 = 1_762_412_400_000;
/** In a batch of one record with timestamp and offset deltas 0: header (61), record length, attributes, the two deltas — then the key's length. */
const BATCH_KEY_LENGTH_AT = 61 + 1 + 1 + 1 + 1;

async function decode(batches: Buffer, from: number, aborted: { producerId: number; firstOffset: number }[] = []) {
  const rows: KafkaRow[] = [];
  const { next } = await decodeRecordBatches(batches, "t", 2, from, aborted, rows);
  return {
    next,
    rows: rows.map((r) => ({ ...r, key: r.key && Buffer.from(r.key).toString(), value: r.value && Buffer.from(r.value).toString() })),
  };
}

const bytes = fc.option(
  fc.string({ unit: "grapheme", maxLength: 20 }).map((s) => Buffer.from(s)),
  { nil: null },
);
const batchArb = fc.record({
  records: fc.array(
    fc.record({
      gap: fc.nat(3), // offsets a compacted log no longer holds
      timestampDelta: fc.integer({ min: 0, max: 10_000_000_000 }),
      key: bytes,
      value: bytes,
      headers: fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }), {
        nil: undefined,
      }),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  compression: fc.constantFrom(0, 1),
  gapBefore: fc.nat(5),
});

describe("decodeRecordBatches", () => {
  it("decodes what kafkajs' producer encodes (any keys, values, headers, gaps, gzip), from any start offset", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 5 }), fc.nat(60), async (specs, fromPick) => {
        let offset = 1_000;
        const expected: { offset: number; timestamp: number; key: string | null; value: string | null; headers: Record<string, string> }[] =
          [];
        const encoded: Buffer[] = [];
        for (const spec of specs) {
          const base = (offset += spec.gapBefore);
          let delta = 0;
          const records = spec.records.map((r, i) => {
            delta += i === 0 ? 0 : 1 + r.gap;
            expected.push({
              offset: base + delta,
              timestamp: T0 + r.timestampDelta,
              key: r.key?.toString() ?? null,
              value: r.value?.toString() ?? null,
              headers: r.headers ?? {},
            });
            return { offsetDelta: delta, timestampDelta: r.timestampDelta, key: r.key, value: r.value, headers: r.headers };
          });
          encoded.push(await encodeBatch({ baseOffset: base, firstTimestamp: T0, records, compression: spec.compression }));
          offset = base + delta + 1;
        }
        const from = 1_000 + fromPick;
        const { next, rows } = await decode(Buffer.concat(encoded), from);
        expect(next).toBe(offset);
        expect(rows).toEqual(expected.filter((e) => e.offset >= from).map((e) => ({ ...e, topic: "t", partition: 2 })));
      }),
      { numRuns: 200 },
    );
  });

  it("leaves a trailing partial batch (a fetch cut at its byte limit) for the next fetch", async () => {
    const one = await encodeBatch({
      baseOffset: 10,
      firstTimestamp: T0,
      records: [0, 1, 2].map((d) => ({ offsetDelta: d, timestampDelta: d, key: null, value: Buffer.from(`v${d}`) })),
    });
    const two = await encodeBatch({
      baseOffset: 13,
      firstTimestamp: T0,
      records: [0, 1].map((d) => ({ offsetDelta: d, timestampDelta: d, key: null, value: Buffer.from(`w${d}`) })),
    });
    for (let cut = 1; cut < two.length; cut++) {
      const { next, rows } = await decode(Buffer.concat([one, two.subarray(0, cut)]), 10);
      expect(next).toBe(13);
      expect(rows.map((r) => r.value)).toEqual(["v0", "v1", "v2"]);
    }
    const rows: KafkaRow[] = [];
    expect(await decodeRecordBatches(one.subarray(0, 70), "t", 0, 10, [], rows)).toEqual({ next: -1, needBytes: one.length });
    expect(rows).toEqual([]);
  });

  it("read committed: skips control batches and aborted transactions, keeps committed ones and moves past all", async () => {
    const rec = (d: number, v: string) => ({ offsetDelta: d, timestampDelta: 0, key: null, value: Buffer.from(v) });
    const log = Buffer.concat(
      await Promise.all(
        (
          [
            { baseOffset: 0, firstTimestamp: T0, records: [rec(0, "plain0")] },
            { baseOffset: 1, firstTimestamp: T0, records: [rec(0, "a1"), rec(1, "a2")], transactional: true, producerId: 7 },
            { baseOffset: 3, firstTimestamp: T0, records: [rec(0, "c3")], transactional: true, producerId: 8 },
            { baseOffset: 4, firstTimestamp: T0, records: [], transactional: true, producerId: 7, control: "abort" },
            { baseOffset: 5, firstTimestamp: T0, records: [], transactional: true, producerId: 8, control: "commit" },
            { baseOffset: 6, firstTimestamp: T0, records: [rec(0, "a6")], transactional: true, producerId: 7 },
            { baseOffset: 7, firstTimestamp: T0, records: [], transactional: true, producerId: 7, control: "abort" },
            { baseOffset: 8, firstTimestamp: T0, records: [rec(0, "b8")], transactional: true, producerId: 7 },
            { baseOffset: 9, firstTimestamp: T0, records: [], transactional: true, producerId: 7, control: "commit" },
          ] as TestBatch[]
        ).map(encodeBatch),
      ),
    );
    const aborted = [
      { producerId: 7, firstOffset: 6 },
      { producerId: 7, firstOffset: 1 },
    ];
    const all = await decode(log, 0, aborted);
    expect(all.rows.map((r) => r.value)).toEqual(["plain0", "c3", "b8"]);
    expect(all.next).toBe(10);
    expect((await decode(log, 5, aborted)).rows.map((r) => r.value)).toEqual(["b8"]);
    // Without the aborted list (read uncommitted), only control records are left out.
    expect((await decode(log, 0)).rows.map((r) => r.value)).toEqual(["plain0", "a1", "a2", "c3", "a6", "b8"]);
  });

  it("log-append time: every record carries the batch's max timestamp", async () => {
    const batch = await encodeBatch({
      baseOffset: 0,
      firstTimestamp: T0,
      logAppendTime: T0 + 99,
      records: [0, 1].map((d) => ({ offsetDelta: d, timestampDelta: d * 5, key: null, value: null })),
    });
    expect((await decode(batch, 0)).rows.map((r) => r.timestamp)).toEqual([T0 + 99, T0 + 99]);
  });

  it("a header key repeated in a record keeps all its values, joined by commas as the consumer reader does", async () => {
    const batch = await encodeBatch({
      baseOffset: 0,
      firstTimestamp: T0,
      records: [
        {
          offsetDelta: 0,
          timestampDelta: 0,
          key: null,
          value: null,
          headers: { k: ["a", "b"], z: "1" } as unknown as Record<string, string>,
        },
      ],
    });
    expect((await decode(batch, 0)).rows[0]!.headers).toEqual({ k: "a,b", z: "1" });
  });

  it("fails clearly on an old message format, a codec kafkajs lacks, or a truncated record", async () => {
    const batch = await encodeBatch({
      baseOffset: 0,
      firstTimestamp: T0,
      records: [{ offsetDelta: 0, timestampDelta: 0, key: null, value: Buffer.from("x") }],
    });
    const old = Buffer.from(batch);
    old[16] = 1;
    await expect(decode(old, 0)).rejects.toThrow(/message format v1.*reader: "consumer"/);
    const snappy = Buffer.from(batch);
    snappy.writeInt16BE(2, 21);
    await expect(decode(snappy, 0)).rejects.toThrow(/compressed with snappy.*CompressionCodecs/);
    const gzipped = await encodeBatch({
      baseOffset: 0,
      firstTimestamp: T0,
      compression: 1,
      records: [{ offsetDelta: 0, timestampDelta: 0, key: null, value: Buffer.from("x".repeat(50)) }],
    });
    gzipped.fill(0xff, 70, 80);
    await expect(decode(gzipped, 0)).rejects.toThrow(/t-2: the batch at offset 0 could not be decompressed/);
    // A key length that runs past its record: reading stops with an error, not with a wrong value.
    const bad = Buffer.from(batch);
    bad[BATCH_KEY_LENGTH_AT] = 0x20;
    await expect(decode(bad, 0)).rejects.toThrow(/record at offset 0 is corrupt/);
    const negative = Buffer.from(batch);
    negative.writeInt32BE(-100, 8);
    await expect(decode(negative, 0)).rejects.toThrow(/batch at offset 0 is corrupt \(length -100\)/);
    const cut = Buffer.from(batch);
    cut.writeInt32BE(cut.readInt32BE(8) - 1, 8);
    await expect(decode(cut.subarray(0, cut.length - 1), 0)).rejects.toBeInstanceOf(RecordFormatError);
  });
});

describe("decodeFetchResponse", () => {
  it("a truncated or malformed response is a clear, final error", () => {
    expect(() => decodeFetchResponse(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 5]), 11)).toThrow(RecordFormatError);
    expect(() => decodeFetchResponse(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 5]), 11)).toThrow(
      /malformed Fetch v11 response \(16 bytes\)/,
    );
    expect(() => decodeFetchResponse(Buffer.alloc(4), 3)).toThrow(/Fetch v3 is not supported/);
  });
});
