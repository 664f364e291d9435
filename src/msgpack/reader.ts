/**
 * A MessagePack reader for both dialects: old-spec raw, new-spec str8/str and bin all come back
 * as a `Uint8Array` view (no string/bytes distinction exists on the Jubatus wire; the declared
 * type decides). Maps come back as `MsgMap` so keys of any type survive. Integers beyond 2^53
 * come back as bigint.
 */
export class MsgMap {
  constructor(readonly entries: Array<[MsgValue, MsgValue]>) {}
}

export type MsgValue = null | boolean | number | bigint | Uint8Array | MsgValue[] | MsgMap;

export class MsgpackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MsgpackError';
  }
}

const utf8 = new TextDecoder('utf-8');

/** Decode UTF-8 bytes; short ASCII avoids TextDecoder's call overhead. */
export function bytesToString(b: Uint8Array): string {
  const n = b.length;
  if (n < 24) {
    let s = '';
    for (let i = 0; i < n; i++) {
      const c = b[i]!;
      if (c >= 0x80) return utf8.decode(b);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(b);
}

export class MsgReader {
  pos: number;
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new MsgpackError('truncated msgpack data');
  }

  private bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private array(n: number): MsgValue[] {
    const out = new Array<MsgValue>(n);
    for (let i = 0; i < n; i++) out[i] = this.read();
    return out;
  }

  private map(n: number): MsgMap {
    const out = new Array<[MsgValue, MsgValue]>(n);
    for (let i = 0; i < n; i++) out[i] = [this.read(), this.read()];
    return new MsgMap(out);
  }

  private u64(signed: boolean): number | bigint {
    this.need(8);
    const v = signed ? this.view.getBigInt64(this.pos) : this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
  }

  read(): MsgValue {
    this.need(1);
    const t = this.buf[this.pos++]!;
    if (t < 0x80) return t;
    if (t <= 0x8f) return this.map(t & 0x0f);
    if (t <= 0x9f) return this.array(t & 0x0f);
    if (t <= 0xbf) return this.bytes(t & 0x1f);
    if (t >= 0xe0) return t - 0x100;
    const v = this.view;
    let n: number;
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: case 0xd9: this.need(1); n = this.buf[this.pos]!; this.pos += 1; return this.bytes(n);
      case 0xc5: case 0xda: this.need(2); n = v.getUint16(this.pos); this.pos += 2; return this.bytes(n);
      case 0xc6: case 0xdb: this.need(4); n = v.getUint32(this.pos); this.pos += 4; return this.bytes(n);
      case 0xca: this.need(4); n = v.getFloat32(this.pos); this.pos += 4; return n;
      case 0xcb: this.need(8); n = v.getFloat64(this.pos); this.pos += 8; return n;
      case 0xcc: this.need(1); return this.buf[this.pos++]!;
      case 0xcd: this.need(2); n = v.getUint16(this.pos); this.pos += 2; return n;
      case 0xce: this.need(4); n = v.getUint32(this.pos); this.pos += 4; return n;
      case 0xcf: return this.u64(false);
      case 0xd0: this.need(1); n = v.getInt8(this.pos); this.pos += 1; return n;
      case 0xd1: this.need(2); n = v.getInt16(this.pos); this.pos += 2; return n;
      case 0xd2: this.need(4); n = v.getInt32(this.pos); this.pos += 4; return n;
      case 0xd3: return this.u64(true);
      case 0xdc: this.need(2); n = v.getUint16(this.pos); this.pos += 2; return this.array(n);
      case 0xdd: this.need(4); n = v.getUint32(this.pos); this.pos += 4; return this.array(n);
      case 0xde: this.need(2); n = v.getUint16(this.pos); this.pos += 2; return this.map(n);
      case 0xdf: this.need(4); n = v.getUint32(this.pos); this.pos += 4; return this.map(n);
      default:
        throw new MsgpackError(`unsupported msgpack type byte 0x${t.toString(16)}`);
    }
  }
}

/** Decode exactly one value from `buf` (trailing bytes are an error). */
export function decodeOne(buf: Uint8Array): MsgValue {
  const r = new MsgReader(buf);
  const v = r.read();
  if (r.pos !== buf.length) throw new MsgpackError(`${buf.length - r.pos} trailing bytes after msgpack value`);
  return v;
}

/** Tree helpers for code that walks decoded data with a known shape (model files, MIX diffs). */
export function expectArray(v: MsgValue, what: string, len?: number): MsgValue[] {
  if (!Array.isArray(v) || (len !== undefined && v.length !== len)) {
    throw new MsgpackError(`${what}: expected an array${len === undefined ? '' : ` of ${len}`}`);
  }
  return v;
}

export function expectBytes(v: MsgValue, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new MsgpackError(`${what}: expected raw bytes`);
  return v;
}

export function expectString(v: MsgValue, what: string): string {
  return bytesToString(expectBytes(v, what));
}

export function expectNumber(v: MsgValue, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new MsgpackError(`${what}: expected a number`);
}

export function expectMap(v: MsgValue, what: string): MsgMap {
  if (!(v instanceof MsgMap)) throw new MsgpackError(`${what}: expected a map`);
  return v;
}
