import type { Row } from "../batch/micro-batch.js";
import { keyEncoder } from "../operators/aggregate-support.js";
import type { Sink } from "../sinks/sink.js";
import type { Exchange, ExchangeLayout, ExchangeMessage } from "../sources/exchange.js";
import { encodeEnvelopes, partitionOf } from "../sources/exchange.js";

/** One input partition's rows of a batch, as the first stage's runner emits them (see `startRepartitioned`). */
export interface ShardRows {
  readonly p: number;
  readonly t: string;
  readonly wb: number;
  readonly wa: number;
  readonly rows: readonly Row[];
}

/**
 * The first stage's sink: each input partition's rows go to the exchange partition of their grouping
 * key — every exchange partition gets a message for every input partition's batch, empty or not, so
 * the input partition's watermark reaches them all. The batch counts as written once the exchange
 * acknowledged every message. A replay writes the same messages again; the reader skips them.
 */
export function exchangeSink(exchange: Exchange, layout: ExchangeLayout, keyColumns: readonly string[]): Sink<ShardRows> {
  const keyOf = keyEncoder(keyColumns);
  const { partitions, inputs } = layout;
  return {
    description: "ExchangeSink",
    async addBatch(_batchId, shards) {
      const messages: ExchangeMessage[] = [];
      for (const { p, t, wb, wa, rows } of shards) {
        const parts: Row[][] = Array.from({ length: partitions }, () => []);
        for (const row of rows) parts[partitionOf(keyOf(row), partitions)]!.push(row);
        for (let r = 0; r < partitions; r++) {
          for (const value of encodeEnvelopes({ p, t, wb, wa, n: inputs }, parts[r]!))
            messages.push({ partition: r, key: String(p), value });
        }
      }
      if (messages.length > 0) await exchange.write(messages);
    },
    stop: () => exchange.close?.(),
  };
}
