/**
 * Settings shared by the producer, the job and the validation, from flags (`--rate 5`) or environment
 * variables (`RATE=5`); flags win. Defaults follow the seed pipeline.
 */
export interface PipelineConfig {
  /** Kafka bootstrap servers. */
  brokers: string[];
  topic: string;
  /** Events per second the producer sends (the seed: one every 0.2 s). */
  rate: number;
  /** Distinct `id` values. */
  ids: number;
  /** Seconds the producer (and the demo) runs; 0 = until stopped. */
  duration: number;
  /** Run id: output goes to `<output>/parquet/run_<id>/`. */
  runId: string;
  /** Output root (`data/output`). */
  output: string;
  /**
   * Consumer group to scale out with: jobs started with the same group id (and their own run ids)
   * split the topic's partitions, and the averages' window state moves with its partitions. Empty: one job reads all.
   */
  groupId: string;
  /** Fraction (0–1) of the producer's messages that are malformed, to show bad data being handled. */
  malformedRate: number;
  /** Dead letters (malformed messages, raw bytes) go here, for the Parquet query. */
  dlqTopic: string;
  /** The 10-second averages go here as well as to the console. */
  avgTopic: string;
  /** Where the job serves skp's UI (`@skp/ui`): `host:port`, default `127.0.0.1:4040`; `off` serves none. */
  ui: string;
}

export function readConfig(argv = process.argv.slice(2), env = process.env): PipelineConfig {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]!);
    if (m) flags.set(m[1]!, m[2] ?? argv[++i] ?? "");
  }
  const get = (flag: string, envName: string, fallback: string) => flags.get(flag) ?? env[envName] ?? fallback;
  const num = (flag: string, envName: string, fallback: number) => {
    const v = Number(get(flag, envName, String(fallback)));
    if (!Number.isFinite(v) || v < 0)
      throw new Error(`--${flag} (${envName}) must be a non-negative number, got ${get(flag, envName, "")}`);
    return v;
  };
  return {
    brokers: get("brokers", "KAFKA_BROKERS", "localhost:9094").split(",").filter(Boolean),
    topic: get("topic", "TOPIC", "events"),
    rate: num("rate", "RATE", 5),
    ids: Math.max(1, Math.floor(num("ids", "IDS", 10))),
    duration: num("duration", "DURATION", 0),
    runId: get("run-id", "RUN_ID", String(Math.floor(Date.now() / 1000))),
    output: get("output", "OUTPUT_DIR", "data/output"),
    groupId: get("group-id", "GROUP_ID", ""),
    ui: get("ui", "SKP_UI", "127.0.0.1:4040"),
    malformedRate: Math.min(1, num("malformed-rate", "MALFORMED_RATE", 0)),
    dlqTopic: get("dlq-topic", "DLQ_TOPIC", "events-dlq"),
    avgTopic: get("avg-topic", "AVG_TOPIC", "events-avg"),
  };
}

export const runDir = (c: PipelineConfig) => `${c.output}/parquet/run_${c.runId}`;
export const ledgerFile = (c: PipelineConfig) => `${c.output}/producer/run_${c.runId}.json`;

/** Every topic the example uses (the demo and docker compose create them). */
export const topicsOf = (c: PipelineConfig) => [c.topic, c.dlqTopic, c.avgTopic];
