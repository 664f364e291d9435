/**
 * The msgpack type signature of an answer, in the notation of shared/reference/engines/README.md:
 * `int`, `f64`, `f32`, `raw`, `bool`, `nil`, `[T]` (a list whose elements share one signature),
 * `(A,B)` (a tuple/struct), `{K:V}` (a map, `{:}` empty). It shows what a stock client decodes:
 * float32 against float64, raw against str8.
 */
export function wireSignature(bytes: Uint8Array): string {
  return scanner(bytes).one();
}

/** The signature of the result of a msgpack-rpc response frame `[1, msgid, error, result]`. */
export function resultSignature(frame: Uint8Array): string {
  const s = scanner(frame);
  if (frame[0] !== 0x94) throw new Error('not a msgpack-rpc response');
  s.skipHeader();
  s.one();
  s.one();
  s.one();
  return s.one();
}

function scanner(bytes: Uint8Array): { one(): string; skipHeader(): void } {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const u8 = (): number => v.getUint8(pos++);
  const skip = (n: number): void => void (pos += n);
  const list = (n: number): string => {
    const items: string[] = [];
    for (let i = 0; i < n; i++) items.push(one());
    if (items.length === 0) return '[]';
    const nonEmpty = items.filter((s) => s !== '[]');
    // An empty list only stands for a longer list among lists: [f64, []] is a tuple (burst's
    // empty window), [[int], []] a list of lists.
    const ofLists = nonEmpty.every((s) => s.startsWith('['));
    const shared = nonEmpty.length === 0 ? '[]' : ofLists || nonEmpty.length === items.length ? (nonEmpty.every((s) => s === nonEmpty[0]) ? nonEmpty[0]! : undefined) : undefined;
    return shared !== undefined ? `[${shared}]` : `(${items.join(',')})`;
  };
  const map = (n: number): string => {
    let k = '';
    let val = '';
    for (let i = 0; i < n; i++) {
      const kk = one();
      const vv = one();
      if (i === 0) [k, val] = [kk, vv];
    }
    return `{${k}:${val}}`;
  };
  const one = (): string => {
    const b = u8();
    if (b <= 0x7f || b >= 0xe0) return 'int';
    if (b >= 0x80 && b <= 0x8f) return map(b & 0x0f);
    if (b >= 0x90 && b <= 0x9f) return list(b & 0x0f);
    if (b >= 0xa0 && b <= 0xbf) return skip(b & 0x1f), 'raw';
    switch (b) {
      case 0xc0: return 'nil';
      case 0xc2: case 0xc3: return 'bool';
      case 0xc4: return skip(u8()), 'bin';
      case 0xc5: { const n = v.getUint16(pos); skip(2 + n); return 'bin'; }
      case 0xc6: { const n = v.getUint32(pos); skip(4 + n); return 'bin'; }
      case 0xca: return skip(4), 'f32';
      case 0xcb: return skip(8), 'f64';
      case 0xcc: case 0xd0: return skip(1), 'int';
      case 0xcd: case 0xd1: return skip(2), 'int';
      case 0xce: case 0xd2: return skip(4), 'int';
      case 0xcf: case 0xd3: return skip(8), 'int';
      case 0xd9: return skip(u8()), 'str8';
      case 0xda: { const n = v.getUint16(pos); skip(2 + n); return 'raw'; }
      case 0xdb: { const n = v.getUint32(pos); skip(4 + n); return 'raw'; }
      case 0xdc: { const n = v.getUint16(pos); skip(2); return list(n); }
      case 0xdd: { const n = v.getUint32(pos); skip(4); return list(n); }
      case 0xde: { const n = v.getUint16(pos); skip(2); return map(n); }
      case 0xdf: { const n = v.getUint32(pos); skip(4); return map(n); }
      default: throw new Error(`wireSignature: unsupported msgpack byte 0x${b.toString(16)}`);
    }
  };
  return { one, skipHeader: () => skip(1) };
}
