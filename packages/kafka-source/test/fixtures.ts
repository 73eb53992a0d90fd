import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { Broker } from "./mock-broker.js";
import { startBroker } from "./mock-broker.js";

/**
 * A test file's Kafka (started before its tests, stopped after) and a temporary directory for its
 * processes' checkpoints and outputs (removed after). Call at the top of the file.
 */
export function kafkaFixture(prefix: string): { readonly broker: Broker; readonly root: string } {
  let broker: Broker | undefined;
  let root: string | undefined;
  beforeAll(async () => {
    broker = await startBroker();
    root = mkdtempSync(join(tmpdir(), `${prefix}-`));
  });
  afterAll(async () => {
    await broker?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return {
    get broker() {
      if (!broker) throw new Error("the Kafka fixture starts before the file's tests");
      return broker;
    },
    get root() {
      if (!root) throw new Error("the Kafka fixture starts before the file's tests");
      return root;
    },
  };
}
