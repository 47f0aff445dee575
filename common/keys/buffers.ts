/**
 * A growable byte writer and a cursor reader for key encoding: one allocation per key in
 * the common case, no per-byte closures.
 */
export class ByteWriter {
  private buf: Buffer;
  private len = 0;

  constructor(initial = 64) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.len;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }

  u64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64BE(v, this.len);
    this.len += 8;
  }

  /**
   * A string's UTF-8 bytes with 0x00 escaped as 0x00 0xFF, then the terminator 0x00 0x01
   * (the key encoding of text), without an intermediate Buffer for ASCII strings.
   */
  escapedString(s: string): void {
    const n = s.length;
    this.ensure(n + 2);
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 0 || c >= 0x80) break;
      this.buf[this.len++] = c;
    }
    if (i < n) this.escapedBytes(Buffer.from(s.slice(i), 'utf8'));
    this.ensure(2);
    this.buf[this.len++] = 0x00;
    this.buf[this.len++] = 0x01;
  }

  /** Bytes with 0x00 escaped as 0x00 0xFF (no terminator). */
  escapedBytes(b: Uint8Array): void {
    this.ensure(b.length * 2);
    for (let i = 0; i < b.length; i++) {
      const c = b[i];
      this.buf[this.len++] = c;
      if (c === 0) this.buf[this.len++] = 0xff;
    }
  }

  /** Inverts bytes [from, length) (descending columns). */
  invertFrom(from: number): void {
    for (let i = from; i < this.len; i++) this.buf[i] = ~this.buf[i] & 0xff;
  }

  /** Forget what was written (the buffer is kept for reuse). */
  reset(): void {
    this.len = 0;
  }

  /** A copy of the written bytes. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

export class ByteReader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
    /** XOR mask applied to every byte read (0xff inside a descending column). */
    public mask = 0,
  ) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw new KeyDecodeError('key ends early');
    return this.buf[this.pos++] ^ this.mask;
  }

  peek(): number {
    if (this.pos >= this.buf.length) throw new KeyDecodeError('key ends early');
    return this.buf[this.pos] ^ this.mask;
  }

  take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new KeyDecodeError('key ends early');
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    if (this.mask) for (let i = 0; i < n; i++) out[i] ^= this.mask;
    this.pos += n;
    return out;
  }

  u32(): number {
    return this.take(4).readUInt32BE(0);
  }

  u64(): bigint {
    return this.take(8).readBigUInt64BE(0);
  }
}

/** A key that does not decode with the given column types (corruption or a schema mismatch). */
export class KeyDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyDecodeError';
  }
}
