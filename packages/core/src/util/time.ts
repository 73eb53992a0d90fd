/** Epoch-ms helpers shared by progress reporting and the console sink (UTC everywhere, as Spark's default session zone). */
export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Spark's console rendering of a timestamp: `2025-11-06 07:00:10` (with `.122` when there are millis). */
export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  const millis = iso.slice(20, 23);
  return millis === "000" ? base : `${base}.${millis.replace(/0+$/, "")}`;
}

/** Non-negative modulo: JS `%` keeps the sign of the dividend, window alignment needs the floor version. */
export function floorMod(a: number, b: number): number {
  const r = a % b;
  return r < 0 ? r + b : r;
}
