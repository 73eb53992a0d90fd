import type { SkpError } from "../errors.js";
import type { StreamingQueryProgress } from "./progress.js";
import type { StreamingQuery } from "./streaming-query.js";

/** A query that started: its ids and name, and when. */
export interface QueryStartedEvent {
  readonly id: string;
  readonly runId: string;
  readonly name: string | null;
  /** ISO-8601. */
  readonly timestamp: string;
}

/** A query that ended: stopped (no exception) or failed (with it). */
export interface QueryTerminatedEvent {
  readonly id: string;
  readonly runId: string;
  readonly name: string | null;
  readonly exception: SkpError | null;
}

/**
 * Spark's `StreamingQueryListener`, for every query of the process: started, each progress report,
 * terminated. Each method is optional; a listener that throws is ignored, never the query's problem.
 */
export interface StreamingQueryListener {
  onQueryStarted?(event: QueryStartedEvent): void;
  onQueryProgress?(progress: StreamingQueryProgress, query: StreamingQuery<any>): void;
  onQueryTerminated?(event: QueryTerminatedEvent): void;
}

const listeners = new Set<StreamingQueryListener>();

/**
 * Listens to every query of the process, including those started later (Spark's
 * `spark.streams.addListener`). Returns a function that removes the listener.
 *
 * @example
 * const remove = addQueryListener({ onQueryProgress: (p) => console.log(p.name, p.numInputRows) });
 */
export function addQueryListener(listener: StreamingQueryListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(call: (l: StreamingQueryListener) => void): void {
  for (const l of [...listeners]) {
    try {
      call(l);
    } catch {
      // A listener's failure is its own: the query and the other listeners go on.
    }
  }
}

/** Called by the runtime for a query that started: started now, progress as it comes, terminated once. */
export function announce(query: StreamingQuery<any>, finished: Promise<unknown>): void {
  const { id, runId, name } = query;
  notify((l) => l.onQueryStarted?.({ id, runId, name, timestamp: new Date().toISOString() }));
  // Reports made before start() returned (a trigger that ran at once) are announced too.
  for (const p of query.recentProgress) notify((l) => l.onQueryProgress?.(p, query));
  const subscription = query.progress$.subscribe((p) => notify((l) => l.onQueryProgress?.(p, query)));
  const end = () => {
    subscription.unsubscribe();
    notify((l) => l.onQueryTerminated?.({ id, runId, name, exception: query.exception ?? null }));
  };
  finished.then(end, end);
}
