/** `2025-11-06 07:00:00` or `2025-11-06 07:00:00.122` (UTC), as Spark writes timestamp partition values. */
export function formatTimestampForPath(ms: number): string {
  const iso = new Date(ms).toISOString();
  const millis = iso.slice(20, 23);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${millis === "000" ? "" : `.${millis}`}`;
}
