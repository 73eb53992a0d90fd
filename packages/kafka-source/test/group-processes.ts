/**
 * Child processes of a grouped query for the scale-out tests: start one (resolves once it reports
 * "ready"), stop it cleanly or kill it, and wait for a condition while watching the mock cluster.
 */
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import type { Broker } from "./mock-broker.js";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Proc {
  name: string;
  dir: string;
  child?: ChildProcess;
  stderr: string;
  /** Extra environment for the child (e.g. `SKP_CO_PARTITIONED=1`). */
  env?: Record<string, string>;
}

/** Starts `script` (a test child) for `p`: `script <dir> <brokers> <topic> <groupId>`. */
export function start(broker: Broker, script: string, p: Proc, topic: string, groupId: string): Promise<void> {
  const child = spawn(process.execPath, ["--import", "tsx", script, p.dir, broker.brokers.join(","), topic, groupId], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...p.env },
  });
  p.child = child;
  child.stderr!.on("data", (d) => {
    p.stderr += String(d);
  });
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${p.name} not ready after 70 s: ${p.stderr.slice(-3000)}`)), 70_000);
    const watch = setInterval(() => {
      const gone = broker.ended();
      if (gone) fail(new Error(`the mock Kafka cluster died (${gone}) while ${p.name} started; its stderr (above) says why`));
    }, 200);
    const done = () => {
      clearTimeout(timer);
      clearInterval(watch);
    };
    const fail = (e: Error) => {
      done();
      reject(e);
    };
    child.stdout!.on("data", (d) => {
      if (String(d).includes("ready")) {
        done();
        resolve();
      }
    });
    child.on("exit", (code) => fail(new Error(`${p.name} exited (${code}) before ready: ${p.stderr}`)));
  });
}

export async function stop(p: Proc, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  const child = p.child!;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.on("exit", r));
  child.kill(signal);
  // A clean stop that hangs is a failure too, but the test must still end.
  const timer = setTimeout(() => {
    p.stderr += `\n(${p.name} ignored ${signal} for 20 s)`;
    child.kill("SIGKILL");
  }, 20_000);
  await exited;
  clearTimeout(timer);
  p.child = undefined;
}

/** Waits until `cond` holds (failing at once if the mock cluster dies). */
export async function until(broker: Broker, what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  let polls = 0;
  while (!cond()) {
    const gone = broker.ended();
    if (gone) throw new Error(`the mock Kafka cluster died (${gone}) while waiting for ${what}; its stderr (above) says why`);
    if (process.env.SKP_DEBUG && ++polls % 50 === 0) process.stderr.write(`waiting for ${what}\n`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
