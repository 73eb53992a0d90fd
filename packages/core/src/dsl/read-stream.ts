import { errors } from "../errors.js";
import type { Source } from "../sources/source.js";
import { StreamFrame } from "./stream-frame.js";

export interface ReadStreamOptions {
  /** At most this many offsets (rows) per batch: Spark's `maxOffsetsPerTrigger`. */
  maxOffsetsPerTrigger?: number;
}

type RowOf<S> = S extends Source<infer R, any> ? R : never;

/**
 * Starts a streaming query from a source (Spark's `spark.readStream`).
 *
 * @example readStream(new MemoryStream(struct({ value: long() })))
 */
export function readStream<S extends Source<any, any>>(source: S, options: ReadStreamOptions = {}): StreamFrame<RowOf<S>> {
  const { maxOffsetsPerTrigger } = options;
  if (maxOffsetsPerTrigger !== undefined && !(Number.isInteger(maxOffsetsPerTrigger) && maxOffsetsPerTrigger > 0)) {
    throw errors.badOption("maxOffsetsPerTrigger", maxOffsetsPerTrigger, "a positive integer");
  }
  return new StreamFrame({ kind: "source", source, maxOffsetsPerTrigger });
}
