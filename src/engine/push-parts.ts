/**
 * The push side of composeLinear: a driver's push mixables (1.1.1's versioned tables) as the one
 * PushMixable the random/broadcast/skip mixers drive. Payloads are `[part_1 … part_k]`: the pull
 * argument holds each part's version clock, a pull answer each part's rows. A push is validated
 * whole before any part applies its rows, so a malformed payload changes nothing.
 */
import { MsgpackError, MsgReader, expectArray, type MsgValue } from '../msgpack/reader.js';
import type { MsgWriter } from '../msgpack/writer.js';
import type { PushMixable } from './engine.js';

export interface PushPart {
  /** This part's pull argument (its version clock). */
  writeArgument(w: MsgWriter): void;
  /** Writes the rows a peer with argument `arg` lacks. */
  pull(arg: MsgValue, w: MsgWriter): void;
  /**
   * Validates this part's rows starting at `pos` in `buf`; returns where they end and a function
   * applying them.
   */
  scan(buf: Uint8Array, pos: number, end: number): { end: number; apply: () => void };
}

/** Reads an array header at `pos`: its length and where its first element starts. */
export function arrayHeaderAt(buf: Uint8Array, pos: number, what: string): { length: number; pos: number } {
  const t = buf[pos];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (t !== undefined && t >= 0x90 && t <= 0x9f) return { length: t & 0x0f, pos: pos + 1 };
  if (t === 0xdc && pos + 3 <= buf.length) return { length: view.getUint16(pos + 1), pos: pos + 3 };
  if (t === 0xdd && pos + 5 <= buf.length) return { length: view.getUint32(pos + 1), pos: pos + 5 };
  throw new MsgpackError(`${what}: expected an array`);
}

/** A part whose rows are decoded as a msgpack value (small rows, e.g. a values table). */
export function decodedPart(
  writeArgument: (w: MsgWriter) => void,
  pull: (arg: MsgValue, w: MsgWriter) => void,
  read: (v: MsgValue) => () => void,
): PushPart {
  return {
    writeArgument,
    pull,
    scan(buf, pos, end) {
      const r = new MsgReader(buf, pos, end);
      const apply = read(r.read());
      return { end: r.pos, apply };
    },
  };
}

export function composePush(name: string, parts: readonly PushPart[], afterPush?: () => void): PushMixable {
  return {
    writePullArgument(w) {
      w.arrayHeader(parts.length);
      for (const p of parts) p.writeArgument(w);
    },
    pull(arg, w) {
      const r = new MsgReader(arg);
      const args = expectArray(r.read(), `${name} pull argument`, parts.length);
      w.arrayHeader(parts.length);
      parts.forEach((p, i) => p.pull(args[i]!, w));
    },
    push(diff) {
      const head = arrayHeaderAt(diff, 0, `${name} push diff`);
      if (head.length !== parts.length) throw new MsgpackError(`${name} push diff: expected an array of ${parts.length}`);
      let pos = head.pos;
      const appliers = parts.map((p) => {
        const s = p.scan(diff, pos, diff.length);
        pos = s.end;
        return s.apply;
      });
      if (pos !== diff.length) throw new MsgpackError(`${name} push diff: ${diff.length - pos} trailing bytes`);
      for (const apply of appliers) apply();
      afterPush?.();
    },
  };
}
