// Untyped kafkajs internals used by src/fetch/kafkajs-internals.ts (kafkajs ships no types for them).
declare module "kafkajs/src/protocol/requests/index.js" {
  const protocolRequests: { requests: { Fetch: unknown } };
  export default protocolRequests;
}
declare module "kafkajs/src/protocol/requests/apiKeys.js" {
  const apiKeys: { Fetch: number };
  export default apiKeys;
}
declare module "kafkajs/src/protocol/error.js" {
  const errors: { createErrorFromCode(code: number): Error & { type?: string; retriable?: boolean } };
  export default errors;
}
declare module "kafkajs/src/network/requestQueue/index.js" {
  const RequestQueue: { prototype: Record<string, unknown> };
  export default RequestQueue;
}
