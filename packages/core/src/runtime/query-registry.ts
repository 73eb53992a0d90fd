import type { StreamingQuery } from "./streaming-query.js";

/**
 * The process's running queries (Spark's `spark.streams`): a query is added when it starts and
 * removed when it terminates — stopped or failed.
 */
const active = new Map<string, StreamingQuery<any>>();

/** Called by the runtime when a query starts; removes it again when it terminates. */
export function register(query: StreamingQuery<any>, finished: Promise<unknown>): void {
  active.set(query.runId, query);
  const remove = () => active.delete(query.runId);
  finished.then(remove, remove);
}

/**
 * The queries running in this process now, oldest first (Spark's `spark.streams.active`).
 *
 * @example
 * for (const q of activeQueries()) console.log(q.name ?? q.id, q.lastProgress?.batchId);
 */
export function activeQueries(): StreamingQuery<any>[] {
  return [...active.values()];
}
