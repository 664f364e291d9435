/**
 * A MessagePack writer that speaks the dialect Jubatus 1.x (msgpack-c 0.5.9) reads: strings and
 * bytes are always old-spec raw (fixraw / raw16 / raw32, never str8 or bin), integers take their
 * smallest form, and the caller picks float32 or float64 from the declared type.
 */
const textEncoder = new TextEncoder();

export class MsgWriter {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  /** Start over, keeping the grown buffer. */
  reset(): this {
    this.pos = 0;
    return this;
  }

  /** A copy of what has been written (safe to keep after reset). */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** A view of what has been written; valid only until the next write or reset. */
  peek(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  nil(): void {
    this.ensure(1);
    this.buf[this.pos++] = 0xc0;
  }

  bool(b: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = b ? 0xc3 : 0xc2;
  }

  /** An integer in its smallest msgpack form. Non-safe magnitudes must come as bigint. */
  int(n: number | bigint): void {
    if (typeof n === 'bigint') {
      this.bigint(n);
      return;
    }
    this.ensure(9);
    const b = this.buf;
    if (n >= 0) {
      if (n < 0x80) b[this.pos++] = n;
      else if (n < 0x100) {
        b[this.pos++] = 0xcc;
        b[this.pos++] = n;
      } else if (n < 0x10000) {
        b[this.pos++] = 0xcd;
        this.view.setUint16(this.pos, n);
        this.pos += 2;
      } else if (n < 0x100000000) {
        b[this.pos++] = 0xce;
        this.view.setUint32(this.pos, n);
        this.pos += 4;
      } else {
        b[this.pos++] = 0xcf;
        this.view.setBigUint64(this.pos, BigInt(n));
        this.pos += 8;
      }
    } else if (n >= -32) {
      b[this.pos++] = n & 0xff;
    } else if (n >= -128) {
      b[this.pos++] = 0xd0;
      this.view.setInt8(this.pos++, n);
    } else if (n >= -32768) {
      b[this.pos++] = 0xd1;
      this.view.setInt16(this.pos, n);
      this.pos += 2;
    } else if (n >= -2147483648) {
      b[this.pos++] = 0xd2;
      this.view.setInt32(this.pos, n);
      this.pos += 4;
    } else {
      b[this.pos++] = 0xd3;
      this.view.setBigInt64(this.pos, BigInt(n));
      this.pos += 8;
    }
  }

  private bigint(n: bigint): void {
    if (n >= -(2n ** 53n) && n <= 2n ** 53n) {
      this.int(Number(n));
      return;
    }
    this.ensure(9);
    if (n >= 0n) {
      this.buf[this.pos++] = 0xcf;
      this.view.setBigUint64(this.pos, n);
    } else {
      this.buf[this.pos++] = 0xd3;
      this.view.setBigInt64(this.pos, n);
    }
    this.pos += 8;
  }

  float32(x: number): void {
    this.ensure(5);
    this.buf[this.pos++] = 0xca;
    this.view.setFloat32(this.pos, x);
    this.pos += 4;
  }

  float64(x: number): void {
    this.ensure(9);
    this.buf[this.pos++] = 0xcb;
    this.view.setFloat64(this.pos, x);
    this.pos += 8;
  }

  /** The header of a raw of `len` bytes, with room reserved for `reserve` bytes after it. */
  private rawHeader(len: number, reserve = len): void {
    this.ensure(5 + reserve);
    const b = this.buf;
    if (len < 32) b[this.pos++] = 0xa0 | len;
    else if (len < 0x10000) {
      b[this.pos++] = 0xda;
      this.view.setUint16(this.pos, len);
      this.pos += 2;
    } else {
      b[this.pos++] = 0xdb;
      this.view.setUint32(this.pos, len);
      this.pos += 4;
    }
  }

  /** Only the header of a raw of `len` bytes: the caller sends the bytes itself, right after. */
  rawHeaderOnly(len: number): void {
    this.rawHeader(len, 0);
  }

  raw(bytes: Uint8Array): void {
    this.rawHeader(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** A UTF-8 string as old-spec raw. */
  str(s: string): void {
    const n = s.length;
    if (n < 32) {
      // Short strings are the common case (ids, keys): write ASCII directly.
      this.ensure(1 + n);
      const start = this.pos;
      const b = this.buf;
      b[start] = 0xa0 | n;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[start + 1 + i] = c;
      }
      if (i === n) {
        this.pos = start + 1 + n;
        return;
      }
    }
    const len = Buffer.byteLength(s, 'utf8');
    this.rawHeader(len);
    textEncoder.encodeInto(s, this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
  }

  arrayHeader(n: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = 0x90 | n;
    else if (n < 0x10000) {
      this.buf[this.pos++] = 0xdc;
      this.view.setUint16(this.pos, n);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = 0xdd;
      this.view.setUint32(this.pos, n);
      this.pos += 4;
    }
  }

  mapHeader(n: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = 0x80 | n;
    else if (n < 0x10000) {
      this.buf[this.pos++] = 0xde;
      this.view.setUint16(this.pos, n);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = 0xdf;
      this.view.setUint32(this.pos, n);
      this.pos += 4;
    }
  }

  /** Pre-encoded msgpack bytes, spliced in as they are. */
  encoded(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }
}
