/**
 * Spark's output modes: `append` emits a result row once, when it is final; `update` emits the rows
 * changed by each batch; `complete` emits the whole result table every batch.
 */
export type OutputMode = "append" | "update" | "complete";
