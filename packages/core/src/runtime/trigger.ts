import { errors } from "../errors.js";
import type { Duration } from "../util/duration.js";
import { parsePositiveDuration } from "../util/duration.js";

/**
 * When batches run (Spark's triggers). Default: the next batch as soon as the previous one finished
 * and new data (or a due no-data batch) exists.
 */
export type Trigger = { processingTime: Duration } | { once: true } | { availableNow: true };

export type ResolvedTrigger =
  | { kind: "default" }
  | { kind: "processingTime"; intervalMs: number }
  | { kind: "once" }
  | { kind: "availableNow" };

export function resolveTrigger(trigger: Trigger | undefined): ResolvedTrigger {
  if (trigger === undefined) return { kind: "default" };
  if (typeof trigger !== "object" || trigger === null) throw errors.badTrigger(trigger);
  if ("processingTime" in trigger) {
    return { kind: "processingTime", intervalMs: parsePositiveDuration(trigger.processingTime, "trigger processingTime") };
  }
  if ("once" in trigger && trigger.once === true) return { kind: "once" };
  if ("availableNow" in trigger && trigger.availableNow === true) return { kind: "availableNow" };
  throw errors.badTrigger(trigger);
}

/** How progress and the UI name a trigger: `default`, `processingTime(5000 ms)`, `once`, `availableNow`. */
export function describeTrigger(t: ResolvedTrigger): string {
  return t.kind === "processingTime" ? `processingTime(${t.intervalMs} ms)` : t.kind;
}
