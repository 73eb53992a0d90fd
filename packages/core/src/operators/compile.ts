import type { OperatorFunction } from "rxjs";
import { identity, pipe } from "rxjs";
import type { MicroBatch, Row } from "../batch/micro-batch.js";
import type { OutputMode } from "../batch/output-mode.js";
import { Column } from "../expr/column.js";
import type { AnalyzedNode, AnalyzedPlan } from "../plan/analyze.js";
import type { PlanNode } from "../plan/nodes.js";
import type { Sink } from "../sinks/sink.js";
import type { StateStore, StateStoreProvider } from "../state/state-store.js";
import { binary, pickInput } from "./binary.js";
import { deduplicate } from "./deduplicate.js";
import { exchangeInput } from "./exchange-input.js";
import { filter } from "./filter.js";
import { parseJson } from "./parse-json.js";
import { rename, select } from "./select.js";
import { sessionAggregate } from "./session-aggregate.js";
import type { StateHolder } from "./stateful.js";
import { staticJoin } from "./static-join.js";
import { streamJoin } from "./stream-join.js";
import { userTransform } from "./user-transform.js";
import { watermark } from "./watermark.js";
import { windowAggregate } from "./window-aggregate.js";
import { withColumn } from "./with-column.js";

/** A side output the runtime writes (idempotently, by batch id) next to the main sink. */
export interface SideOutput {
  readonly kind: "deadLetters" | "lateRows";
  /** Operator id: key of the records in the batch context. */
  readonly id: number;
  readonly sink: Sink<any>;
}

export interface PhysicalPlan {
  /** The whole query as one RxJS operator over micro-batches. */
  readonly operator: OperatorFunction<MicroBatch<Row>, MicroBatch<Row>>;
  readonly stateful: readonly StateHolder[];
  readonly sideOutputs: readonly SideOutput[];
}

/** Every node of the plan: the main chain's, and those of the other inputs of its unions and joins. */
export function allNodes(plan: AnalyzedPlan): AnalyzedNode[] {
  return plan.nodes.flatMap((n) => (n.other ? [n, ...allNodes(n.other)] : [n]));
}

/** The side outputs the plan asks for: dead letters of `parseJson`, late rows of `withWatermark`. */
export function sideOutputsOf(plan: AnalyzedPlan): SideOutput[] {
  const out: SideOutput[] = [];
  for (const { id, node } of allNodes(plan)) {
    if (node.kind === "parseJson" && node.deadLetters) out.push({ kind: "deadLetters", id, sink: node.deadLetters });
    if ((node.kind === "watermark" || node.kind === "exchangeInput") && node.lateRows)
      out.push({ kind: "lateRows", id, sink: node.lateRows });
  }
  return out;
}

/** The plan's stateful nodes: their ids key their state, their names their shards' logs. */
export function statefulNodes(plan: AnalyzedPlan): { id: number; name: string }[] {
  const names: Partial<Record<PlanNode["kind"], string>> = { aggregate: "aggregate", dropDuplicates: "dedup", streamJoin: "join" };
  return allNodes(plan).flatMap(({ id, node }) => (names[node.kind] ? [{ id, name: `${names[node.kind]}-${id}` }] : []));
}

/** The plan's exchange inputs: their state (where each input partition stands) rides in the shards' commit markers. */
export function exchangeInputNodes(plan: AnalyzedPlan): number[] {
  return plan.nodes.filter(({ node }) => node.kind === "exchangeInput").map(({ id }) => id);
}

/** Opens the state store of every stateful node at `version` (the number of batches already committed). */
export async function openStateStores(
  plan: AnalyzedPlan,
  provider: StateStoreProvider,
  version: number,
): Promise<Map<number, StateStore<any>>> {
  const stores = new Map<number, StateStore<any>>();
  for (const { id } of statefulNodes(plan)) stores.set(id, await provider.open(id, version));
  return stores;
}

export interface CompileOptions {
  /** How long a user's transform may hold a batch (see `userTransform`). */
  readonly transformTimeoutMs: number;
}

/** Turns an analyzed logical plan into RxJS operators, one per node, piped in plan order. */
export function compile(
  plan: AnalyzedPlan,
  outputMode: OutputMode,
  stores: ReadonlyMap<number, StateStore<any>>,
  options: CompileOptions,
): PhysicalPlan {
  const stateful: StateHolder[] = [];
  const inputs = plan.sources.length > 1 ? new Map(plan.sources.map(({ id }, i) => [id, i])) : undefined;
  const context: ChainContext = { plan, outputMode, stores, options, stateful, inputs, transforms: 0 };
  return { operator: compileChain(plan, context), stateful, sideOutputs: sideOutputsOf(plan) };
}

interface ChainContext {
  readonly plan: AnalyzedPlan;
  readonly outputMode: OutputMode;
  readonly stores: ReadonlyMap<number, StateStore<any>>;
  readonly options: CompileOptions;
  readonly stateful: StateHolder[];
  /** With several sources: the position of each source node's rows in a batch's `inputs`. */
  readonly inputs: ReadonlyMap<number, number> | undefined;
  transforms: number;
}

type BatchOp = OperatorFunction<MicroBatch<any>, MicroBatch<any>>;

const pipeAll = (ops: readonly BatchOp[]): BatchOp => (ops.length === 0 ? identity : (pipe as (...fns: unknown[]) => BatchOp)(...ops));

/** One chain: its operators in order; a union or join combines what came before with the other input's chain. */
function compileChain(chain: AnalyzedPlan, c: ChainContext): BatchOp {
  const { outputMode, stores, options, stateful } = c;
  let ops: BatchOp[] = [];
  let inputFields = chain.nodes[0]?.fields ?? {};
  for (const { id, node, fields, dedup, join, other } of chain.nodes) {
    switch (node.kind) {
      case "source":
        if (c.inputs) ops.push(pickInput(c.inputs.get(id) ?? 0));
        break;
      case "union":
        ops = [binary(pipeAll(ops), compileChain(other!, c), "union", (l, r) => l.rows.concat(r.rows))];
        break;
      case "streamJoin": {
        const op = streamJoin(join!, stores.get(id)!);
        stateful.push(op);
        ops = [binary(pipeAll(ops), compileChain(other!, c), op.name, op.combine)];
        break;
      }
      case "parseJson":
        ops.push(parseJson({ id, column: node.column, fields: node.schema.fields, mode: node.mode, keep: node.keep }));
        break;
      case "select":
        ops.push(select(node.columns));
        break;
      case "filter":
        ops.push(
          node.predicate instanceof Column ? filter(node.predicate.bind(inputFields).evaluate, true) : filter(node.predicate, false),
        );
        break;
      case "withColumn":
        ops.push(
          withColumn(Object.keys(inputFields), node.name, node.expr instanceof Column ? node.expr.bind(inputFields).evaluate : node.expr),
        );
        break;
      case "watermark":
        ops.push(watermark(id, node.column));
        break;
      case "aggregate": {
        const analysis = c.plan.aggregate!;
        const store = stores.get(id)!;
        const op =
          analysis.window?.kind === "session"
            ? sessionAggregate({ analysis, outputMode, store })
            : windowAggregate({ analysis, outputMode, store });
        stateful.push(op);
        ops.push(op.operator);
        break;
      }
      case "exchangeInput":
        ops.push(exchangeInput(id, stores.get(id)!));
        break;
      case "dropDuplicates": {
        const op = deduplicate(dedup!, stores.get(id)!);
        stateful.push(op);
        ops.push(op.operator);
        break;
      }
      case "withColumnRenamed":
        ops.push(rename(Object.keys(inputFields), node.from, node.to));
        break;
      case "drop":
        ops.push(select(Object.keys(fields)));
        break;
      case "staticJoin":
        ops.push(staticJoin(node, Object.keys(inputFields)));
        break;
      case "transform": {
        const nth = ++c.transforms;
        ops.push(userTransform(node.name ?? `#${nth}`, node.operator, options.transformTimeoutMs));
        break;
      }
    }
    inputFields = fields;
  }
  return pipeAll(ops);
}
