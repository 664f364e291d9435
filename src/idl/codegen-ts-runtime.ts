/**
 * The runtime that `juba gen --lang ts` writes next to generated clients (`juba_rpc.ts`): a
 * small self-contained msgpack-rpc client for Node, so generated code compiles and runs without
 * juba installed. It follows the same wire rules as juba's own codec (src/idl/codec.ts): strings
 * and raw go out as old-spec raw, `double` as float64 even when integral, `float` as float32,
 * messages as arrays in field order, a datum as three lists; on input both raw and str/bin are
 * accepted and ints are accepted where floats are declared.
 *
 * It is kept as text because it is emitted, not imported; the e2e test for `juba gen` compiles
 * it with `tsc --strict` and runs it against a real server.
 */
export const TS_RUNTIME_FILE = 'juba_rpc.ts';

export const TS_RUNTIME = String.raw`import net from 'node:net';

/** A Jubatus datum: three ordered key/value lists; duplicates are allowed. */
export interface Datum {
  stringValues: Array<[string, string]>;
  numValues: Array<[string, number]>;
  binaryValues: Array<[string, Uint8Array]>;
}

export type Primitive =
  | 'bool' | 'byte' | 'short' | 'int' | 'long' | 'ubyte' | 'ushort' | 'uint' | 'ulong'
  | 'float' | 'double' | 'string' | 'raw' | 'datum' | 'object';

/** How one value crosses the wire; messages are named and looked up in a TypeTable. */
export type WireType =
  | Primitive
  | readonly ['list', WireType]
  | readonly ['map', WireType, WireType]
  | readonly ['nullable', WireType]
  | readonly ['msg', string];

/** Message name to its field types, in field order. */
export type TypeTable = Readonly<Record<string, readonly WireType[]>>;

/** An error answer from the server, or a local failure (timeout, connection). */
export class JubatusRpcError extends Error {
  /** 1 (unknown method), 2 (argument error), the server's message, or a local marker. */
  readonly error: unknown;
  constructor(message: string, error: unknown) {
    super(message);
    this.name = 'JubatusRpcError';
    this.error = error;
  }
}

const INT_RANGE: Record<string, [number, number]> = {
  byte: [-128, 127], short: [-32768, 32767], int: [-2147483648, 2147483647],
  ubyte: [0, 255], ushort: [0, 65535], uint: [0, 4294967295],
};

const utf8In = new TextEncoder();
const utf8Out = new TextDecoder();

class MapValue {
  constructor(readonly entries: Array<[unknown, unknown]>) {}
}

class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  pos = 0;

  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.pos++] = b;
  }

  private head(small: number, base: number, n: number, w16: number, w32: number): void {
    if (n < small) this.byte(base | n);
    else if (n < 0x10000) { this.byte(w16); this.room(2); this.view.setUint16(this.pos, n); this.pos += 2; }
    else { this.byte(w32); this.room(4); this.view.setUint32(this.pos, n); this.pos += 4; }
  }

  array(n: number): void { this.head(16, 0x90, n, 0xdc, 0xdd); }
  map(n: number): void { this.head(16, 0x80, n, 0xde, 0xdf); }

  raw(b: Uint8Array): void {
    this.head(32, 0xa0, b.length, 0xda, 0xdb);
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  str(s: string): void { this.raw(utf8In.encode(s)); }
  nil(): void { this.byte(0xc0); }
  bool(b: boolean): void { this.byte(b ? 0xc3 : 0xc2); }

  float(x: number, bits: 32 | 64): void {
    this.byte(bits === 32 ? 0xca : 0xcb);
    this.room(8);
    if (bits === 32) { this.view.setFloat32(this.pos, x); this.pos += 4; }
    else { this.view.setFloat64(this.pos, x); this.pos += 8; }
  }

  int(n: number | bigint): void {
    if (typeof n === 'number' && n >= -32 && n < 128) { this.byte(n & 0xff); return; }
    const big = BigInt(n);
    const forms: Array<[bigint, bigint, number, number, boolean]> = [
      [0n, 0xffn, 0xcc, 1, false], [0n, 0xffffn, 0xcd, 2, false], [0n, 0xffffffffn, 0xce, 4, false],
      [-128n, 127n, 0xd0, 1, true], [-32768n, 32767n, 0xd1, 2, true], [-2147483648n, 2147483647n, 0xd2, 4, true],
    ];
    for (const [lo, hi, tag, size, signed] of forms) {
      if (big < lo || big > hi) continue;
      this.byte(tag);
      this.room(size);
      const v = Number(big);
      if (size === 1) this.view[signed ? 'setInt8' : 'setUint8'](this.pos, v);
      else if (size === 2) this.view[signed ? 'setInt16' : 'setUint16'](this.pos, v);
      else this.view[signed ? 'setInt32' : 'setUint32'](this.pos, v);
      this.pos += size;
      return;
    }
    this.byte(big >= 0n ? 0xcf : 0xd3);
    this.room(8);
    if (big >= 0n) this.view.setBigUint64(this.pos, big);
    else this.view.setBigInt64(this.pos, big);
    this.pos += 8;
  }
}

class Truncated extends Error {}

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Truncated();
  }

  private take(n: number): Uint8Array {
    this.need(n);
    this.pos += n;
    return this.buf.slice(this.pos - n, this.pos);
  }

  private uint(size: 1 | 2 | 4): number {
    this.need(size);
    const v = size === 1 ? this.view.getUint8(this.pos) : size === 2 ? this.view.getUint16(this.pos) : this.view.getUint32(this.pos);
    this.pos += size;
    return v;
  }

  private sized(getter: (at: number) => number | bigint, size: number): number | bigint {
    this.need(size);
    const v = getter(this.pos);
    this.pos += size;
    if (typeof v === 'bigint') return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
    return v;
  }

  private list(n: number): unknown[] {
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(this.read());
    return out;
  }

  private pairs(n: number): MapValue {
    const out: Array<[unknown, unknown]> = [];
    for (let i = 0; i < n; i++) out.push([this.read(), this.read()]);
    return new MapValue(out);
  }

  read(): unknown {
    const t = this.uint(1);
    const v = this.view;
    if (t < 0x80) return t;
    if (t <= 0x8f) return this.pairs(t & 0x0f);
    if (t <= 0x9f) return this.list(t & 0x0f);
    if (t <= 0xbf) return this.take(t & 0x1f);
    if (t >= 0xe0) return t - 0x100;
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: case 0xd9: return this.take(this.uint(1));
      case 0xc5: case 0xda: return this.take(this.uint(2));
      case 0xc6: case 0xdb: return this.take(this.uint(4));
      case 0xca: return this.sized((at) => v.getFloat32(at), 4);
      case 0xcb: return this.sized((at) => v.getFloat64(at), 8);
      case 0xcc: return this.uint(1);
      case 0xcd: return this.uint(2);
      case 0xce: return this.uint(4);
      case 0xcf: return this.sized((at) => v.getBigUint64(at), 8);
      case 0xd0: return this.sized((at) => v.getInt8(at), 1);
      case 0xd1: return this.sized((at) => v.getInt16(at), 2);
      case 0xd2: return this.sized((at) => v.getInt32(at), 4);
      case 0xd3: return this.sized((at) => v.getBigInt64(at), 8);
      case 0xdc: return this.list(this.uint(2));
      case 0xdd: return this.list(this.uint(4));
      case 0xde: return this.pairs(this.uint(2));
      case 0xdf: return this.pairs(this.uint(4));
      default: throw new Error('unsupported msgpack type byte 0x' + t.toString(16));
    }
  }
}

function bad(what: string, t: WireType, v: unknown): never {
  const got = v === null ? 'nil' : v instanceof Uint8Array ? 'raw' : v instanceof MapValue ? 'map' : Array.isArray(v) ? 'array' : typeof v;
  throw new TypeError(what + ': expected ' + JSON.stringify(t) + ', got ' + got);
}

function encode(w: Writer, t: WireType, v: unknown, types: TypeTable, what: string): void {
  if (typeof t !== 'string') {
    if (t[0] === 'nullable') {
      if (v === null || v === undefined) w.nil();
      else encode(w, t[1], v, types, what);
    } else if (t[0] === 'list') {
      if (!Array.isArray(v)) bad(what, t, v);
      w.array(v.length);
      v.forEach((x, i) => encode(w, t[1], x, types, what + '[' + i + ']'));
    } else if (t[0] === 'map') {
      if (!(v instanceof Map)) bad(what, t, v);
      w.map(v.size);
      for (const [k, x] of v) {
        encode(w, t[1], k, types, what + ' key');
        encode(w, t[2], x, types, what + '[' + String(k) + ']');
      }
    } else {
      const fields = types[t[1]];
      if (!fields || !Array.isArray(v)) bad(what, t, v);
      w.array(fields.length);
      fields.forEach((f, i) => encode(w, f, v[i], types, what + '[' + i + ']'));
    }
    return;
  }
  switch (t) {
    case 'bool': if (typeof v !== 'boolean') bad(what, t, v); w.bool(v); return;
    case 'float': case 'double': if (typeof v !== 'number') bad(what, t, v); w.float(v, t === 'float' ? 32 : 64); return;
    case 'string': if (typeof v !== 'string') bad(what, t, v); w.str(v); return;
    case 'raw': if (!(v instanceof Uint8Array)) bad(what, t, v); w.raw(v); return;
    case 'object': encodeAny(w, v); return;
    case 'datum': {
      const d = v as Datum;
      w.array(3);
      w.array(d.stringValues.length);
      for (const [k, s] of d.stringValues) { w.array(2); w.str(k); w.str(s); }
      w.array(d.numValues.length);
      for (const [k, n] of d.numValues) { w.array(2); w.str(k); w.float(n, 64); }
      w.array(d.binaryValues.length);
      for (const [k, b] of d.binaryValues) { w.array(2); w.str(k); w.raw(b); }
      return;
    }
    default:
      if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) w.int(v);
      else bad(what, t, v);
  }
}

function encodeAny(w: Writer, v: unknown): void {
  if (v === null || v === undefined) w.nil();
  else if (typeof v === 'boolean') w.bool(v);
  else if (typeof v === 'number') Number.isInteger(v) ? w.int(v) : w.float(v, 64);
  else if (typeof v === 'bigint') w.int(v);
  else if (typeof v === 'string') w.str(v);
  else if (v instanceof Uint8Array) w.raw(v);
  else if (Array.isArray(v)) { w.array(v.length); for (const x of v) encodeAny(w, x); }
  else if (v instanceof Map) { w.map(v.size); for (const [k, x] of v) { encodeAny(w, k); encodeAny(w, x); } }
  else throw new TypeError('cannot encode a ' + typeof v + ' as object');
}

function decodeAny(v: unknown): unknown {
  if (v instanceof Uint8Array) return utf8Out.decode(v);
  if (Array.isArray(v)) return v.map(decodeAny);
  if (v instanceof MapValue) return new Map(v.entries.map(([k, x]) => [decodeAny(k), decodeAny(x)]));
  return v;
}

function pairsOf<T>(v: unknown, what: string, value: (x: unknown) => T): Array<[string, T]> {
  if (!Array.isArray(v)) throw new TypeError(what + ': expected a list of pairs');
  return v.map((p) => {
    if (!Array.isArray(p) || !(p[0] instanceof Uint8Array)) throw new TypeError(what + ': expected [key, value]');
    return [utf8Out.decode(p[0]), value(p[1])];
  });
}

function decode(t: WireType, v: unknown, types: TypeTable, what: string): unknown {
  if (typeof t !== 'string') {
    if (t[0] === 'nullable') return v === null ? null : decode(t[1], v, types, what);
    if (t[0] === 'list') {
      if (!Array.isArray(v)) bad(what, t, v);
      return v.map((x, i) => decode(t[1], x, types, what + '[' + i + ']'));
    }
    if (t[0] === 'map') {
      if (!(v instanceof MapValue)) bad(what, t, v);
      return new Map(v.entries.map(([k, x]) => [decode(t[1], k, types, what + ' key'), decode(t[2], x, types, what + ' value')]));
    }
    const fields = types[t[1]];
    if (!fields || !Array.isArray(v)) bad(what, t, v);
    // Missing trailing fields take their defaults, extra ones are dropped (msgpack-c does the same).
    return fields.map((f, i) => (i < v.length ? decode(f, v[i], types, what + '[' + i + ']') : defaultOf(f, types)));
  }
  switch (t) {
    case 'bool': if (typeof v !== 'boolean') bad(what, t, v); return v;
    case 'float': case 'double':
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      return bad(what, t, v);
    case 'string': if (!(v instanceof Uint8Array)) bad(what, t, v); return utf8Out.decode(v);
    case 'raw': if (!(v instanceof Uint8Array)) bad(what, t, v); return v;
    case 'object': return decodeAny(v);
    case 'datum': {
      if (!Array.isArray(v) || v.length < 2) bad(what, t, v);
      const num = (x: unknown): number => {
        if (typeof x === 'number') return x;
        if (typeof x === 'bigint') return Number(x);
        throw new TypeError(what + ': a num_values value is not a number');
      };
      const text = (x: unknown): string => {
        if (x instanceof Uint8Array) return utf8Out.decode(x);
        throw new TypeError(what + ': a string_values value is not a string');
      };
      const bytes = (x: unknown): Uint8Array => {
        if (x instanceof Uint8Array) return x;
        throw new TypeError(what + ': a binary_values value is not raw');
      };
      const d: Datum = {
        stringValues: pairsOf(v[0], what, text),
        numValues: pairsOf(v[1], what, num),
        binaryValues: v.length > 2 && v[2] !== null ? pairsOf(v[2], what, bytes) : [],
      };
      return d;
    }
    default: {
      const range = INT_RANGE[t];
      if (typeof v === 'bigint' && !range) return v;
      if (typeof v !== 'number' || !Number.isInteger(v)) return bad(what, t, v);
      if (range ? v < range[0] || v > range[1] : t === 'ulong' && v < 0) bad(what, t, v);
      return v;
    }
  }
}

function defaultOf(t: WireType, types: TypeTable): unknown {
  if (typeof t !== 'string') {
    if (t[0] === 'nullable') return null;
    if (t[0] === 'list') return [];
    if (t[0] === 'map') return new Map();
    return (types[t[1]] ?? []).map((f) => defaultOf(f, types));
  }
  switch (t) {
    case 'bool': return false;
    case 'string': return '';
    case 'raw': return new Uint8Array(0);
    case 'object': return null;
    case 'datum': return { stringValues: [], numValues: [], binaryValues: [] };
    default: return 0;
  }
}

interface Pending {
  method: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer?: ReturnType<typeof setTimeout>;
}

/** One TCP connection to a server or proxy; calls are pipelined and matched by msgid. */
export class RpcConnection {
  private socket: net.Socket | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private inbox: Uint8Array = new Uint8Array(0);

  constructor(readonly host: string, readonly port: number, readonly timeoutMs: number) {}

  call(method: string, args: readonly unknown[], argTypes: readonly WireType[], types: TypeTable): Promise<unknown> {
    const id = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0;
    const w = new Writer();
    w.array(4);
    w.int(0);
    w.int(id);
    w.str(method);
    w.array(args.length);
    args.forEach((a, i) => encode(w, argTypes[i]!, a, types, method + ' argument ' + (i + 1)));
    return new Promise((resolve, reject) => {
      const p: Pending = { method, resolve, reject };
      if (this.timeoutMs > 0) {
        p.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new JubatusRpcError(method + ': request timed out after ' + this.timeoutMs + ' ms', 'request timed out'));
        }, this.timeoutMs);
      }
      this.pending.set(id, p);
      this.connect().write(w.bytes());
    });
  }

  private connect(): net.Socket {
    if (this.socket) return this.socket;
    const s = net.connect({ host: this.host, port: this.port });
    s.setNoDelay(true);
    s.on('data', (chunk: Uint8Array) => this.onData(chunk));
    s.on('error', (e: Error) => this.failAll(new JubatusRpcError('connect failed: ' + this.host + ':' + this.port + ' (' + e.message + ')', 'connect failed')));
    s.on('close', () => {
      if (this.socket === s) this.socket = undefined;
      this.inbox = new Uint8Array(0);
      this.failAll(new JubatusRpcError('connection closed: ' + this.host + ':' + this.port, 'connection closed'));
    });
    this.socket = s;
    return s;
  }

  private onData(chunk: Uint8Array): void {
    const all = new Uint8Array(this.inbox.length + chunk.length);
    all.set(this.inbox);
    all.set(chunk, this.inbox.length);
    let used = 0;
    for (;;) {
      const r = new Reader(all.subarray(used));
      let msg: unknown;
      try {
        msg = r.read();
      } catch (e) {
        if (e instanceof Truncated) break;
        this.socket?.destroy(e as Error);
        return;
      }
      used += r.pos;
      this.answer(msg);
    }
    this.inbox = all.slice(used);
  }

  private answer(msg: unknown): void {
    if (!Array.isArray(msg) || msg[0] !== 1 || typeof msg[1] !== 'number') return;
    const p = this.pending.get(msg[1]);
    if (!p) return;
    this.pending.delete(msg[1]);
    if (p.timer) clearTimeout(p.timer);
    const error: unknown = msg[2] ?? null;
    const result: unknown = msg[3] ?? null;
    if (error === null) p.resolve(result);
    else if (error === 1) p.reject(new JubatusRpcError('unknown method: ' + p.method, error));
    else if (error === 2) {
      const why = result instanceof Uint8Array ? utf8Out.decode(result) : 'type mismatch';
      p.reject(new JubatusRpcError('argument error in ' + p.method + ': ' + why, error));
    } else {
      const text = error instanceof Uint8Array ? utf8Out.decode(error) : 'rpc error: ' + String(error);
      p.reject(new JubatusRpcError(text, text));
    }
  }

  private failAll(err: Error): void {
    for (const [id, p] of this.pending) {
      if (p.timer) clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(err);
    }
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.failAll(new JubatusRpcError('connection closed: ' + this.host + ':' + this.port, 'connection closed'));
  }
}

const STATUS: WireType = ['map', 'string', ['map', 'string', 'string']];

/**
 * What every generated client shares (as every Jubatus client does): the cluster name sent
 * first on each call, and the built-in methods of every server and proxy.
 */
export class JubatusClient {
  // camelCase members cannot clash with IDL methods, whose names are lowercase.
  private readonly rpcConnection: RpcConnection;
  private clusterName: string;

  /** timeoutMs: per call, 0 = wait forever (Jubatus clients default to 10 s). */
  constructor(host: string, port: number, name: string, timeoutMs = 10_000) {
    this.rpcConnection = new RpcConnection(host, port, timeoutMs);
    this.clusterName = name;
  }

  /** Sends [name, ...args] with each argument encoded as its IDL type, decodes the result. */
  protected async callMethod<T>(method: string, args: readonly unknown[], argTypes: readonly WireType[], ret: WireType | null, types: TypeTable): Promise<T> {
    const raw = await this.rpcConnection.call(method, [this.clusterName, ...args], ['string', ...argTypes], types);
    return (ret === null ? undefined : decode(ret, raw, types, method + ' result')) as T;
  }

  get_name(): string { return this.clusterName; }
  set_name(name: string): void { this.clusterName = name; }
  get_client(): RpcConnection { return this.rpcConnection; }

  /** The config JSON the server runs with. */
  get_config(): Promise<string> { return this.callMethod('get_config', [], [], 'string', {}); }
  /** Saves the model on every server as "id"; answers each server's file path. */
  save(id: string): Promise<Map<string, string>> { return this.callMethod('save', [id], ['string'], ['map', 'string', 'string'], {}); }
  /** Loads the model saved as "id" on every server. */
  load(id: string): Promise<boolean> { return this.callMethod('load', [id], ['string'], 'bool', {}); }
  /** Each server's status, keyed by ip_port. */
  get_status(): Promise<Map<string, Map<string, string>>> { return this.callMethod('get_status', [], [], STATUS, {}); }
  /** Forces a MIX now (distributed servers only). */
  do_mix(): Promise<boolean> { return this.callMethod('do_mix', [], [], 'bool', {}); }
  /** The proxy's own status (proxies only). */
  get_proxy_status(): Promise<Map<string, Map<string, string>>> { return this.callMethod('get_proxy_status', [], [], STATUS, {}); }

  /** Closes the connection; calls still waiting fail. */
  close(): void { this.rpcConnection.close(); }
}
`;
