import type { FetchResponse } from "./fetch-response.js";
import { decodeFetchResponse, MIN_FETCH_VERSION } from "./fetch-response.js";
import type { InternalBroker, KafkajsInternals } from "./kafkajs-internals.js";
import { RecordFormatError } from "./record-batches.js";

const READ_COMMITTED = 1;
const MAX_BYTES = 64 << 20;

/** What a Fetch asks of one partition. */
export interface FetchPartition {
  topic: string;
  partition: number;
  fetchOffset: number;
  maxBytes: number;
}

/**
 * Sends one Fetch (read committed) to `broker` through kafkajs' connection and decodes the answer.
 * The broker may hold it up to `maxWaitMs` while no partition has data past its offset — and answers
 * as soon as one does (Kafka's long poll).
 */
export async function sendFetch(
  internals: KafkajsInternals,
  broker: InternalBroker,
  partitions: readonly FetchPartition[],
  maxWaitMs: number,
): Promise<FetchResponse> {
  const topics = new Map<string, { partition: number; fetchOffset: string; maxBytes: number }[]>();
  for (const p of partitions) {
    const list = topics.get(p.topic) ?? [];
    list.push({ partition: p.partition, fetchOffset: String(p.fetchOffset), maxBytes: p.maxBytes });
    topics.set(p.topic, list);
  }
  const request = broker.lookupRequest(
    internals.fetchApiKey,
    internals.fetchDefinition,
  )({
    isolationLevel: READ_COMMITTED,
    maxWaitTime: maxWaitMs,
    minBytes: 1,
    maxBytes: MAX_BYTES,
    topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
  });
  const version = request.request.apiVersion;
  if (version < MIN_FETCH_VERSION)
    throw new RecordFormatError(
      `the broker speaks Fetch v${version} only; reading directly needs v${MIN_FETCH_VERSION}+ (Kafka 0.11) — use reader: "consumer"`,
    );
  try {
    return (await broker.connectionPool.send({
      ...request,
      // A held fetch must not time out on the client before the broker answers it.
      requestTimeout: maxWaitMs + 30_000,
      response: { decode: async (raw) => decodeFetchResponse(raw, version), parse: async (data) => data },
    })) as FetchResponse;
  } catch (e) {
    // As kafkajs' own requests do: a closed connection makes the broker reconnect on next use.
    if ((e as Error).name === "KafkaJSConnectionClosedError") await broker.disconnect().catch(() => {});
    throw e;
  }
}

/** The readable end of a fetched partition: the last stable offset (read committed) or the high watermark. */
export function readableEnd(p: FetchResponse["partitions"][number]): number {
  return p.lastStableOffset >= 0 ? Math.min(p.highWatermark, p.lastStableOffset) : p.highWatermark;
}
