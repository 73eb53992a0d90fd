import RequestQueue from "kafkajs/src/network/requestQueue/index.js";

/**
 * kafkajs 2.2.4 (its last release) keeps a 1 ms timer re-arming itself on every connection that has
 * nothing pending (tulios/kafkajs#1556, #1704): `scheduleCheckPendingRequests` computes a negative
 * delay when the connection is not throttled and schedules itself again and again. An idle query
 * holds several connections (its consumer or watcher, the cluster's metadata), and this loop was most
 * of the ≈ 40 ms of CPU a second it used while waiting for data.
 *
 * The fix is the one proposed upstream: with no request pending and no throttle in force, nothing is
 * scheduled — kafkajs already checks the queue again when a request is pushed and when one in flight
 * finishes, so nothing can be left waiting. Applied once, to the kafkajs this package resolves (an
 * install that deduplicates kafkajs shares it with the application's client), and only where the
 * method still has the shape of the buggy one.
 */
let applied = false;

interface QueueState {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
}

export function fixKafkajsIdleTimers(): boolean {
  if (applied) return true;
  const proto = (RequestQueue as { prototype?: Record<string, unknown> } | undefined)?.prototype;
  const original = proto?.scheduleCheckPendingRequests;
  if (typeof original !== "function" || !String(original).includes("this.throttledUntil - Date.now()")) return false;
  proto!.scheduleCheckPendingRequests = function (this: QueueState) {
    if (this.pending.length === 0 && !this.throttleCheckTimeoutId && this.throttledUntil <= Date.now()) return;
    return original.call(this);
  };
  applied = true;
  return true;
}
