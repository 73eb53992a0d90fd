import type { OutputMode } from "../batch/output-mode.js";
import { errors } from "../errors.js";
import { sideOutputsOf, statefulNodes } from "../operators/compile.js";
import type { AnalyzedPlan } from "../plan/analyze.js";
import { analyze } from "../plan/analyze.js";
import type { AggregateNode, ExchangeInputNode, PlanNode, SourceNode } from "../plan/nodes.js";
import { lineage } from "../plan/nodes.js";
import { validateOutputMode } from "../plan/validate.js";
import type { Sink } from "../sinks/sink.js";
import type { Exchange } from "../sources/exchange.js";
import type { StateSharding } from "../sources/sharded-state.js";
import { withSinkDeadLetters } from "./dead-letters.js";
import { exchangeSink } from "./exchange-sink.js";
import type { QuerySettings } from "./launch.js";
import { executionSettings, launchExecution, openCheckpoint, publish } from "./launch.js";
import type { MicroBatchExecution } from "./micro-batch-execution.js";
import { ShardedOperators } from "./sharded-operators.js";
import { StreamingQuery } from "./streaming-query.js";
import { describeTrigger } from "./trigger.js";
import { TwoStageExecution } from "./two-stage-execution.js";

/** What a repartitioned query is started from (see `startQuery`). */
export interface RepartitionSpec {
  readonly plan: PlanNode;
  readonly analyzed: AnalyzedPlan;
  readonly outputMode: OutputMode;
  readonly name: string | null;
  readonly sink: Sink<any>;
  readonly checkpointLocation: unknown;
}

/**
 * A stateful query whose input partitions do not hold each group whole, as Kafka Streams runs it after
 * a key-changing `groupBy`: the first stage runs the operators before the aggregation for each input
 * partition (its watermark with it) and writes their rows to the exchange partition of their grouping
 * key; the second stage reads the exchange — its partitions split among the processes as the input's
 * are — and aggregates each exchange partition in a state shard of its own. Both stages keep the
 * claim protocol; the second skips what a replay of the first wrote again. The first stage's checkpoint
 * lives under the query's, in `repartition/`.
 */
export async function startRepartitioned<R>(
  spec: RepartitionSpec,
  settings: QuerySettings,
  inputSharding: StateSharding,
  exchange: Exchange,
): Promise<StreamingQuery<R>> {
  const nodes = lineage(spec.plan);
  const aggAt = nodes.findIndex((n) => n.kind === "aggregate");
  const agg = nodes[aggAt] as AggregateNode;
  const aggId = aggAt;
  const name = `aggregate-${aggId}`;
  const layout = await exchange.open(name);
  const first = withSinkDeadLetters(analyze(agg.child), spec.sink);
  const reader = exchange.reader();
  const second = analyze(secondStage(nodes.slice(aggAt), reader, first, spec.analyzed));
  validateOutputMode(second, spec.outputMode);
  const secondSharding = reader.sharding?.();
  if (!secondSharding) throw errors.badOption("exchange", reader.description, "a source with state sharding (its own consumer group)");
  const stateId = statefulNodes(second)[0]?.id ?? aggAt;
  const location = spec.checkpointLocation;
  const owner = `query ${spec.name ?? settings.runId}`;
  const shared = executionSettings(settings);
  const sourceNode = nodes[0] as SourceNode;
  const keyColumns = spec.analyzed.aggregate?.keyColumns ?? [];
  let upstream: MicroBatchExecution | undefined;
  try {
    const opened1 = await openCheckpoint(
      typeof location === "string" ? `${location}/repartition` : location,
      first,
      sourceNode.source,
      owner,
      settings,
    );
    upstream = await launchExecution({
      ...shared,
      id: opened1.checkpoint?.queryId ?? crypto.randomUUID(),
      name: spec.name,
      checkpoint: opened1.checkpoint,
      recovery: opened1.recovery,
      stateStores: [],
      source: sourceNode.source,
      sink: exchangeSink(exchange, layout, keyColumns),
      analyzed: first,
      runner: new ShardedOperators({
        analyzed: first,
        outputMode: "append",
        compile: settings.compile,
        watermarkPolicy: settings.policy,
        sharding: inputSharding,
        logs: [{ id: aggId, name: `${name}-input` }],
        output: ({ shard, token, rows, watermarkBefore, watermarkAfter }) => [
          { p: shard, t: token, wb: watermarkBefore, wa: watermarkAfter, rows },
        ],
      }),
      // Dead letters leave in the first stage; late rows are known only to the aggregation, in the second.
      sideOutputs: sideOutputsOf(first).filter((o) => o.kind === "deadLetters"),
      outputMode: "append",
      maxRowsPerTrigger: sourceNode.maxOffsetsPerTrigger,
    });
    const opened2 = await openCheckpoint(location, second, reader, owner, settings);
    const downstream = await launchExecution({
      ...shared,
      id: opened2.checkpoint?.queryId ?? crypto.randomUUID(),
      name: spec.name,
      checkpoint: opened2.checkpoint,
      recovery: opened2.recovery,
      stateStores: [],
      source: reader,
      sink: spec.sink,
      analyzed: second,
      runner: new ShardedOperators({
        analyzed: second,
        outputMode: spec.outputMode,
        compile: settings.compile,
        watermarkPolicy: settings.policy,
        sharding: secondSharding,
        logs: [{ id: stateId, name: `${name}-repartition` }],
      }),
      sideOutputs: sideOutputsOf(second).filter((o) => o.kind === "lateRows"),
      outputMode: spec.outputMode,
    });
    const execution = new TwoStageExecution(upstream, downstream);
    return publish<R>(
      new StreamingQuery<R>(
        opened2.checkpoint?.queryId ?? crypto.randomUUID(),
        settings.runId,
        spec.name,
        execution,
        describeTrigger(settings.trigger),
      ),
      execution.finished,
    );
  } catch (e) {
    await upstream?.stop();
    throw e;
  }
}

/** The second stage's plan: the exchange's reader, its input node, then the aggregation and what follows it. */
function secondStage(rest: readonly PlanNode[], reader: SourceNode["source"], first: AnalyzedPlan, whole: AnalyzedPlan): PlanNode {
  const wm = whole.aggregate?.watermark;
  const source: SourceNode = { kind: "source", source: reader };
  const input: ExchangeInputNode = {
    kind: "exchangeInput",
    child: source,
    fields: first.fields,
    column: wm?.column,
    lateRows: wm?.lateRows,
  };
  let child: PlanNode = input;
  for (const node of rest) child = { ...node, child } as PlanNode;
  return child;
}
