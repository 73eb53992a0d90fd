/**
 * A Kafka protocol proxy that makes librdkafka's mock cluster answer Fetch long polls as Kafka does.
 * The mock holds every Fetch for its full `max_wait_ms`, data or not; a real broker answers the moment
 * data arrives. The proxy forwards every request, but a Fetch goes upstream with `max_wait_ms` 0, and
 * an empty answer is not passed on: the proxy asks again as soon as a Produce through it is acknowledged,
 * until data comes back or the client's wait is over (data produced around the proxy is not seen early).
 *
 * Metadata answers are rewritten to name the proxy, so clients stay on it. Limits: one upstream broker;
 * FindCoordinator answers are not rewritten (no consumer groups through it); Fetch v4–v11, Metadata
 * v1–v8 (kafkajs' versions, none of them flexible).
 */
import { createServer, type Server, Socket } from "node:net";
import { decodeFetchResponse } from "../src/fetch/fetch-response.js";

const FETCH = 1;
const PRODUCE = 0;
const METADATA = 3;

export interface LongPollProxy {
  /** The proxy's address, to give clients instead of the mock's. */
  broker: string;
  close(): Promise<void>;
}

export async function startLongPollProxy(upstream: string): Promise<LongPollProxy> {
  const [upHost, upPort] = [upstream.slice(0, upstream.lastIndexOf(":")), Number(upstream.slice(upstream.lastIndexOf(":") + 1))];
  const produced = new Set<() => void>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const up = new Socket();
    up.connect(upPort, upHost);
    sockets.add(client).add(up);
    const pending = new Map<number, (frame: Buffer) => void>();
    frames(up, (frame) => pending.get(frame.readInt32BE(0))?.(frame));
    frames(client, (request) => {
      const apiKey = request.readInt16BE(0);
      const version = request.readInt16BE(2);
      const correlation = request.readInt32BE(4);
      const send = (frame: Buffer) => client.write(Buffer.concat([u32(frame.length), frame]));
      if (apiKey === FETCH) {
        const body = 8 + 2 + Math.max(0, request.readInt16BE(8)); // header: key, version, id, client id
        const waitMs = request.readInt32BE(body + 4);
        const now = Buffer.from(request);
        now.writeInt32BE(0, body + 4);
        const deadline = Date.now() + waitMs;
        const ask = () => up.write(Buffer.concat([u32(now.length), now]));
        pending.set(correlation, (frame) => {
          const partitions = decodeFetchResponse(frame.subarray(4), version).partitions;
          if (partitions.some((p) => p.records.length > 0) || Date.now() >= deadline) {
            pending.delete(correlation);
            send(frame);
            return;
          }
          const again = () => {
            clearTimeout(timer);
            produced.delete(again);
            ask();
          };
          const timer = setTimeout(again, Math.max(0, deadline - Date.now()));
          produced.add(again);
        });
        ask();
        return;
      }
      pending.set(correlation, (frame) => {
        pending.delete(correlation);
        if (apiKey === METADATA) frame = renameBrokers(frame, version, proxyPort());
        send(frame);
        if (apiKey === PRODUCE) for (const wake of [...produced]) wake();
      });
      up.write(Buffer.concat([u32(request.length), request]));
    });
    const close = () => {
      client.destroy();
      up.destroy();
    };
    client.on("close", close).on("error", close);
    up.on("close", close).on("error", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxyPort = () => (server.address() as { port: number }).port;
  return {
    broker: `127.0.0.1:${proxyPort()}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Calls `onFrame` with each size-prefixed frame's payload. */
function frames(socket: Socket, onFrame: (frame: Buffer) => void): void {
  let buffered: Buffer = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
      const size = buffered.readInt32BE(0);
      onFrame(buffered.subarray(4, 4 + size));
      buffered = buffered.subarray(4 + size);
    }
  });
}

/** A Metadata response (v1–v8) with every broker's host and port replaced by the proxy's. */
function renameBrokers(frame: Buffer, version: number, port: number): Buffer {
  let at = 4 + (version >= 3 ? 4 : 0); // correlation id, throttle time
  const count = frame.readInt32BE(at);
  at += 4;
  const out: Buffer[] = [frame.subarray(0, at)];
  const host = Buffer.from("127.0.0.1");
  for (let i = 0; i < count; i++) {
    const nodeId = frame.readInt32BE(at);
    const hostLength = frame.readInt16BE(at + 4);
    at += 6 + hostLength + 4; // node id, host, port
    const rackLength = frame.readInt16BE(at);
    const rackEnd = at + 2 + Math.max(0, rackLength);
    const entry = Buffer.alloc(4 + 2 + host.length + 4);
    entry.writeInt32BE(nodeId, 0);
    entry.writeInt16BE(host.length, 4);
    host.copy(entry, 6);
    entry.writeInt32BE(port, 6 + host.length);
    out.push(entry, frame.subarray(at, rackEnd));
    at = rackEnd;
  }
  out.push(frame.subarray(at));
  return Buffer.concat(out);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
