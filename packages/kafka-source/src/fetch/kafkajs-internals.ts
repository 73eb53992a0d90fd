import type { Kafka } from "kafkajs";
import protocolErrors from "kafkajs/src/protocol/error.js";
import apiKeys from "kafkajs/src/protocol/requests/apiKeys.js";
// kafkajs has no "exports" map, and 2.2.4 is its last release: these internals are stable. They are
// reached only here, and only when the client is kafkajs itself (see `kafkajsInternals`).
import protocolRequests from "kafkajs/src/protocol/requests/index.js";

/** The slice of a kafkajs broker the direct fetcher uses. */
export interface InternalBroker {
  lookupRequest(apiKey: number, definition: unknown): (args: FetchArgs) => ProtocolRequest;
  connectionPool: { send(request: ProtocolRequest): Promise<unknown> };
  disconnect(): Promise<void>;
}

/** The slice of a kafkajs cluster (metadata, leaders, connections, auth) the direct fetcher uses. */
export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(args: { nodeId: string }): Promise<InternalBroker>;
}

export interface FetchArgs {
  isolationLevel: number;
  maxWaitTime: number;
  minBytes: number;
  maxBytes: number;
  topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
}

export interface ProtocolRequest {
  request: { apiKey: number; apiVersion: number; apiName: string; encode(): Promise<unknown> };
  response: { decode(raw: Buffer): Promise<unknown>; parse(data: unknown): Promise<unknown> };
  requestTimeout?: number;
}

export interface KafkajsInternals {
  createCluster(options: { isolationLevel: number; allowAutoTopicCreation: boolean; metadataMaxAge: number }): InternalCluster;
  fetchDefinition: unknown;
  fetchApiKey: number;
  /** kafkajs' error for a Kafka protocol error code (with `type` and `retriable`). */
  protocolError(code: number): Error & { type?: string; retriable?: boolean };
}

/**
 * kafkajs' own cluster factory and Fetch protocol, when `kafka` is a kafkajs client; undefined for any
 * other KafkaJS-compatible client (those are read through their consumer API instead).
 */
export function kafkajsInternals(kafka: Kafka): KafkajsInternals | undefined {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === "private:Kafka:createCluster");
  const createCluster = key && (kafka as unknown as Record<symbol, unknown>)[key];
  if (typeof createCluster !== "function" || !protocolRequests?.requests?.Fetch || typeof apiKeys?.Fetch !== "number") return undefined;
  return {
    createCluster: createCluster as KafkajsInternals["createCluster"],
    fetchDefinition: protocolRequests.requests.Fetch,
    fetchApiKey: apiKeys.Fetch,
    protocolError: (code) => protocolErrors.createErrorFromCode(code),
  };
}
