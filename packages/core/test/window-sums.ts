/**
 * What one uninterrupted run of a tumbling-window count and sum by id emits, when no row is late:
 * `"<window start>/<id>"` → `"<count>/<sum>"`. The scale-out tests compare the union of several
 * processes' output with it.
 */
export function windowSums(rows: Iterable<{ id: number; ts: number; value: number }>, sizeMs = 10_000): Map<string, string> {
  const sums = new Map<string, { n: number; total: number }>();
  for (const r of rows) {
    const k = `${Math.floor(r.ts / sizeMs) * sizeMs}/${r.id}`;
    const g = sums.get(k) ?? { n: 0, total: 0 };
    g.n++;
    g.total += r.value;
    sums.set(k, g);
  }
  return new Map([...sums].map(([k, g]) => [k, `${g.n}/${g.total}`]));
}

/** The same key and value for an emitted window row. */
export const windowEntry = (w: { window: { start: number }; id: number; n: number; total: number | null }): [string, string] => [
  `${w.window.start}/${w.id}`,
  `${w.n}/${w.total}`,
];
