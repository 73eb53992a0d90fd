/** Bytes from the broker that do not decode as the Kafka wire format says: final, never retried. */
export class RecordFormatError extends Error {}

/**
 * Big-endian and varint reads over one buffer, for the Kafka wire format. No bounds checks per read:
 * callers check a structure's declared length before reading it, and a read past the end yields
 * `undefined` bytes, which the decoders turn into a "truncated" error.
 */
export class ByteReader {
  constructor(
    public buf: Buffer,
    public pos = 0,
  ) {}

  int16(): number {
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** An INT64 as a number: exact up to 2^53, which offsets, timestamps and producer ids stay below. */
  int64(): number {
    const hi = this.buf.readInt32BE(this.pos),
      lo = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return hi * 4294967296 + lo;
  }

  string(): string {
    const n = this.int16();
    if (n < 0) return "";
    const s = this.buf.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** Zigzag-encoded varint (32-bit). */
  varint(): number {
    const buf = this.buf;
    let b = buf[this.pos++]!;
    let v = b & 0x7f;
    if (b & 0x80) {
      b = buf[this.pos++]!;
      v |= (b & 0x7f) << 7;
      if (b & 0x80) {
        b = buf[this.pos++]!;
        v |= (b & 0x7f) << 14;
        if (b & 0x80) {
          b = buf[this.pos++]!;
          v |= (b & 0x7f) << 21;
          if (b & 0x80) {
            b = buf[this.pos++]!;
            v |= b << 28;
          }
        }
      }
    }
    return (v >>> 1) ^ -(v & 1);
  }

  /** Zigzag-encoded varlong, as a number (exact to 2^53). */
  varlong(): number {
    const buf = this.buf;
    let v = 0,
      scale = 1,
      b: number;
    do {
      b = buf[this.pos++]!;
      v += (b & 0x7f) * scale;
      scale *= 128;
    } while (b & 0x80);
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  /** Varint-length bytes as a view into the buffer (no copy); null for length -1. */
  varBytes(): Buffer | null {
    const n = this.varint();
    if (n < 0) return null;
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Varint-length UTF-8 string; null for length -1. */
  varString(): string | null {
    const n = this.varint();
    if (n < 0) return null;
    const s = this.buf.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}
