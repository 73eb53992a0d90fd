import type { OutputMode } from "../batch/output-mode.js";
import { errors } from "../errors.js";
import type { AnalyzedPlan } from "../plan/analyze.js";
import type { PlanNode } from "../plan/nodes.js";
import type { WriterOptions } from "../runtime/start-query.js";
import { startQuery, WRITER_OPTIONS } from "../runtime/start-query.js";
import type { StreamingQuery } from "../runtime/streaming-query.js";
import type { Trigger } from "../runtime/trigger.js";
import { resolveTrigger } from "../runtime/trigger.js";
import { foreachBatch as foreachBatchSink } from "../sinks/foreach-batch.js";
import type { BatchInfo, Sink } from "../sinks/sink.js";

/**
 * Spark's `DataStreamWriter`: output mode, trigger, options and sink, then `start()`. It only
 * describes the query; the runtime (`startQuery`) runs it.
 *
 * @example
 * const q = await frame.writeStream.outputMode("update").format(consoleSink()).start();
 */
export class DataStreamWriter<R extends object> {
  private mode: OutputMode = "append";
  private triggerSpec: Trigger | undefined;
  private name: string | null = null;
  private sink: Sink<any> | undefined;
  private readonly options: Partial<WriterOptions> = {};

  constructor(
    private readonly plan: PlanNode,
    private readonly analyzed: AnalyzedPlan,
  ) {}

  /** `"append"` (default), `"update"` or `"complete"`; checked against the query at `start()`. */
  outputMode(mode: OutputMode): this {
    if (!["append", "update", "complete"].includes(mode)) throw errors.badOutputMode(mode);
    this.mode = mode;
    return this;
  }

  trigger(trigger: Trigger): this {
    resolveTrigger(trigger);
    this.triggerSpec = trigger;
    return this;
  }

  queryName(name: string): this {
    this.name = name;
    return this;
  }

  option<K extends keyof WriterOptions>(key: K, value: WriterOptions[K]): this {
    if (!(WRITER_OPTIONS as readonly string[]).includes(key)) {
      throw errors.badOption(String(key), value, `one of the known writeStream options: ${WRITER_OPTIONS.join(", ")}`);
    }
    this.options[key] = value;
    return this;
  }

  /** Where rows go: `memorySink()`, `consoleSink()`, `foreachBatch(fn)`, or a plug-in sink. */
  format(sink: Sink<R>): this {
    this.sink = sink;
    return this;
  }

  /** Spark's `foreachBatch`: `fn(rows, batchId)` for each micro-batch. */
  foreachBatch(fn: (rows: readonly R[], batchId: number, info: BatchInfo) => void | Promise<void>): this {
    return this.format(foreachBatchSink(fn));
  }

  /** Validates the query against the output mode, compiles it to RxJS operators and starts running it. */
  start(): Promise<StreamingQuery<R>> {
    return startQuery<R>({
      plan: this.plan,
      analyzed: this.analyzed,
      outputMode: this.mode,
      trigger: this.triggerSpec,
      name: this.name,
      sink: this.sink,
      options: { ...this.options },
    });
  }
}
