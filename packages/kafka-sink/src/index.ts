export type { DeliveryMode, KafkaSinkErrorCode, KafkaSinkOptions } from "./kafka-sink.js";
export { KafkaSink, kafkaSink } from "./kafka-sink.js";
export type { RecordEncoding } from "./records.js";
