export type { KafkaErrorCode } from "./errors.js";
export { kafkaErrors } from "./errors.js";
export type { GroupOffsets } from "./group-offsets.js";
export type { KafkaRow } from "./kafka-row.js";
export type { KafkaSourceOptions } from "./kafka-source.js";
export { kafkaSource } from "./kafka-source.js";
export type { KafkaOffsets } from "./offsets.js";
