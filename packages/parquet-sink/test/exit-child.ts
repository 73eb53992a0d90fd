/** Writes one small batch with the encoder threads and returns: the process must then exit by itself. */
import { int, MemoryStream, readStream, struct } from "@skp/core";
import { parquetSink } from "../src/index.js";

const input = new MemoryStream(struct({ id: int() }));
input.addData({ id: 1 }, { id: 2 });
const q = await readStream(input)
  .writeStream.format(parquetSink({ path: process.argv[2]!, partitionBy: ["id"], encodeThreads: 3 }))
  .start();
await q.processAllAvailable();
await q.stop();
process.stdout.write("written\n");
