/**
 * Starts librdkafka's mock cluster (a real Kafka protocol implementation) through the C shim in this
 * folder, compiling it first when needed (Debian `librdkafka-dev` and gcc). Used by the Kafka tests
 * and by the events-pipeline demo's embedded mode.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, "mock-kafka.c");
const BINARY = join(HERE, "build", "mock-kafka");

export function buildMockKafka(): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return BINARY;
  mkdirSync(dirname(BINARY), { recursive: true });
  try {
    execFileSync(process.env.CC ?? "cc", ["-O2", "-o", BINARY, SOURCE, ...rdkafkaFlags()], { stdio: ["ignore", "inherit", "inherit"] });
  } catch (e) {
    throw new Error(
      `Cannot build the mock Kafka shim (${SOURCE}): install librdkafka with its headers and a C compiler (bash scripts/bootstrap.sh does, on Debian/Ubuntu and macOS). ${e}`,
    );
  }
  return BINARY;
}

/** Where librdkafka is: from pkg-config when it is there (Homebrew puts it outside the default paths), else `-lrdkafka`. */
function rdkafkaFlags(): string[] {
  try {
    return execFileSync("pkg-config", ["--cflags", "--libs", "rdkafka"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .trim()
      .split(/\s+/)
      .filter(Boolean);
  } catch {
    return ["-lrdkafka"];
  }
}

export interface MockKafka {
  brokers: string[];
  /** Why the mock cluster is gone (`killed by SIGABRT` when librdkafka aborts on an assertion), or undefined while it runs. */
  ended(): string | undefined;
  /** Sends a shim command (`topic <name> <partitions>`, `down 1`, `up 1`, `leader <topic> <partition> <broker>`) and waits for OK. */
  command(cmd: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startMockKafka(topics: string[] = [], brokers = 1): Promise<MockKafka> {
  const child = spawn(buildMockKafka(), [...topics.flatMap((t) => ["--topic", t]), "--brokers", String(brokers)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  // An abort (librdkafka assertions) ends the child by a signal: exitCode stays null.
  let ended: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      ended = signal ? `killed by ${signal}` : `exited with ${code}`;
      resolve();
    }),
  );
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  lines.on("line", (line) => {
    const w = waiters.shift();
    if (w) w(line);
    else queue.push(line);
  });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const line = queue.shift();
      if (line !== undefined) return resolve(line);
      if (ended) return reject(new Error(`mock Kafka ${ended}`));
      const timer = setTimeout(() => reject(new Error(`mock Kafka did not answer${ended ? ` (${ended})` : ""}`)), 10_000);
      waiters.push((l) => {
        clearTimeout(timer);
        resolve(l);
      });
    });
  const bootstrap = await next();
  if (!bootstrap.startsWith("BOOTSTRAP ")) throw new Error(`mock Kafka: unexpected output ${bootstrap}`);
  await next(); // READY
  return {
    brokers: bootstrap.slice("BOOTSTRAP ".length).split(","),
    ended: () => ended,
    async command(cmd) {
      child.stdin!.write(`${cmd}\n`);
      const answer = await next();
      if (answer !== "OK") throw new Error(`mock Kafka: ${cmd} → ${answer}`);
    },
    async stop() {
      if (ended) return;
      child.stdin!.end();
      // Tearing the mock cluster down can hang while clients are still connected: do not wait forever.
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
