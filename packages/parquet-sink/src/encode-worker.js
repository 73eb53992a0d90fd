// @ts-check
/**
 * The encoder thread (see encode-pool.ts): encodes one Parquet file per message from column arrays,
 * and sends its bytes back as a transferred buffer. Plain JavaScript, type-checked through JSDoc (as
 * hyparquet is): a worker thread runs its module as it is, in the sources as in the build.
 */
import { parentPort } from "node:worker_threads";
import { parquetWriteBuffer } from "hyparquet-writer";

/** @typedef {{ name: string, data: unknown, packed?: { text: string, lengths: Int32Array } }} WireColumn */

const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);

port.on("message", (/** @type {{ id: number, options: { columnData: WireColumn[] } }} */ { id, options }) => {
  try {
    for (const c of options.columnData) if (c.packed) unpack(c, c.packed);
    const buffer = parquetWriteBuffer(/** @type {any} */ (options));
    port.postMessage({ id, buffer }, [buffer]);
  } catch (e) {
    port.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});

/**
 * A string column travels as one string plus lengths (-1: null); this rebuilds its array in place.
 * @param {WireColumn} c
 * @param {{ text: string, lengths: Int32Array }} packed
 */
function unpack(c, { text, lengths }) {
  const data = new Array(lengths.length);
  for (let i = 0, at = 0; i < lengths.length; i++) {
    const n = /** @type {number} */ (lengths[i]);
    if (n < 0) data[i] = null;
    else {
      data[i] = text.slice(at, at + n);
      at += n;
    }
  }
  c.data = data;
  delete c.packed;
}
