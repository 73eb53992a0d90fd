// kafkajs' own record batch encoder (what its producer sends), internals typed in kafkajs-test-internals.d.ts.
import record from "kafkajs/src/protocol/recordBatch/record/v0/index.js";
import recordBatchModule from "kafkajs/src/protocol/recordBatch/v0/index.js";

const recordBatch = recordBatchModule.RecordBatch;

export interface TestRecord {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string>;
}

export interface TestBatch {
  baseOffset: number;
  firstTimestamp: number;
  records: TestRecord[];
  /** 0 none, 1 gzip. */
  compression?: number;
  transactional?: boolean;
  producerId?: number;
  /** A control batch: its single record's key marks ABORT (0) or COMMIT (1). */
  control?: "abort" | "commit";
  logAppendTime?: number;
}

/** Encodes a batch as kafkajs' producer does; control and log-append-time flags are set on the result. */
export async function encodeBatch(b: TestBatch): Promise<Buffer> {
  const records = b.control
    ? [
        record({
          offsetDelta: 0,
          timestampDelta: 0,
          key: Buffer.from([0, 0, 0, b.control === "abort" ? 0 : 1]),
          value: Buffer.from([0, 0, 0, 0, 0, 0]),
        }),
      ]
    : b.records.map((r) => record(r));
  const lastOffsetDelta = b.control ? 0 : Math.max(0, ...b.records.map((r) => r.offsetDelta));
  const maxTimestamp = b.logAppendTime ?? b.firstTimestamp + Math.max(0, ...b.records.map((r) => r.timestampDelta));
  const encoder = await recordBatch({
    compression: b.compression ?? 0,
    firstOffset: String(b.baseOffset),
    firstTimestamp: b.firstTimestamp,
    maxTimestamp,
    lastOffsetDelta,
    transactional: b.transactional ?? false,
    producerId: String(b.producerId ?? -1),
    records,
  });
  const buf = Buffer.from(encoder.buffer as Buffer);
  const attributes = buf.readInt16BE(21) | (b.control ? 0x20 : 0) | (b.logAppendTime !== undefined ? 0x08 : 0);
  buf.writeInt16BE(attributes, 21);
  return buf;
}
