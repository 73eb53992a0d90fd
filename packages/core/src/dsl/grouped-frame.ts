import type { AggExpr } from "../expr/aggregates.js";
import { count } from "../expr/aggregates.js";
import type { GroupKey, PlanNode } from "../plan/nodes.js";
import { StreamFrame } from "./stream-frame.js";
import type { AggRow, Prettify } from "./types.js";

/** The result of `groupBy(...)`: call `agg(...)` to get a frame back (Spark's `RelationalGroupedDataset`). */
export class GroupedFrame<R, KR> {
  constructor(
    private readonly child: PlanNode,
    private readonly keys: readonly GroupKey[],
  ) {}

  /**
   * Aggregates each group. Output columns: the keys (a window key becomes `window`/`session_window`
   * `{ start, end }`), then the aggregates by name.
   */
  agg<const A extends readonly AggExpr[]>(...aggs: A): StreamFrame<Prettify<KR & AggRow<R, A>>> {
    return new StreamFrame({ kind: "aggregate", child: this.child, keys: this.keys, aggs });
  }

  /** Rows per group, in column `count`. */
  count(): StreamFrame<Prettify<KR & { count: number }>> {
    return new StreamFrame({ kind: "aggregate", child: this.child, keys: this.keys, aggs: [count()] });
  }
}
