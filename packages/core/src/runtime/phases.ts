import { errors, SkpError } from "../errors.js";

/** Runs `fn` and adds its wall time to `durations[key]` (the phases of `progress.durationMs`). */
export async function timed<T>(durations: Record<string, number>, key: string, fn: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    durations[key] = (durations[key] ?? 0) + Math.round(performance.now() - t0);
  }
}

/** Runs one call into a source; a failure becomes an error naming the source and the phase. */
export async function sourcePhase<T>(description: string, phase: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw e instanceof SkpError ? e : errors.sourceFailed(description, phase, e);
  }
}
