/**
 * msgpack-rpc messages arrive as concatenated msgpack values on a TCP stream, with no length
 * prefix. `FrameBuffer` accumulates bytes and yields complete top-level values, scanning each
 * byte once: the scanner keeps its place (offset plus a stack of items still owed by open
 * arrays/maps) across chunks, so a 64 MiB message arriving in 64 KiB pieces costs O(size).
 *
 * Bytes handed out are never overwritten: when the buffer must grow or compact, a new one is
 * allocated, so views into earlier frames stay valid.
 */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/** Payload sizes of fixed-width types (numbers and fixext, whose type byte is included). */
const FIXED_PAYLOAD: Record<number, number> = {
  0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8,
  0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17,
};

export class FrameBuffer {
  private buf = new Uint8Array(64 * 1024);
  private view = new DataView(this.buf.buffer);
  private start = 0; // first byte of the frame being scanned
  private scan = 0; // scanner position (always at an item boundary)
  private end = 0; // bytes written
  private owed: number[] = []; // per open container, items still to come

  constructor(private readonly maxFrame = 64 * 1024 * 1024) {}

  /** Bytes received but not yet returned as frames. */
  get pending(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) {
      const live = this.end - this.start;
      const size = Math.max(64 * 1024, 2 * (live + chunk.length));
      const next = new Uint8Array(size);
      next.set(this.buf.subarray(this.start, this.end));
      this.scan -= this.start;
      this.end = live;
      this.start = 0;
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** The next complete frame as a view, or null when more bytes are needed. Throws FrameError. */
  next(): Uint8Array | null {
    while (this.scan < this.end) {
      const size = this.itemHeader(this.scan);
      if (size < 0) break; // header or payload incomplete
      this.scan += size;
      if (this.scan - this.start > this.maxFrame) {
        throw new FrameError(`frame exceeds ${this.maxFrame} bytes`);
      }
      // One item done: settle the containers it completes.
      while (this.owed.length > 0) {
        const top = this.owed.length - 1;
        if (this.owed[top]! > 0) break;
        this.owed.pop();
      }
      if (this.owed.length === 0) {
        const frame = this.buf.subarray(this.start, this.scan);
        this.start = this.scan;
        return frame;
      }
    }
    if (this.end - this.start > this.maxFrame) throw new FrameError(`frame exceeds ${this.maxFrame} bytes`);
    return null;
  }

  /**
   * Reads the item at `p`. Scalars: returns their full size (or -1 if not all here).
   * Containers: returns the header size and pushes their child count. Each item counts as
   * done for its enclosing container when its header is read; a container is then complete
   * once its own count reaches zero.
   */
  private itemHeader(p: number): number {
    const avail = this.end - p;
    const t = this.buf[p]!;
    let hdr = 1;
    let payload = 0;
    let children = -1;
    if (t < 0x80 || t >= 0xe0 || (t >= 0xc0 && t <= 0xc3)) {
      if (t === 0xc1) throw new FrameError('invalid msgpack type byte 0xc1');
    } else if (t <= 0x8f) children = (t & 0x0f) * 2;
    else if (t <= 0x9f) children = t & 0x0f;
    else if (t <= 0xbf) payload = t & 0x1f;
    else {
      const f = FIXED_PAYLOAD[t];
      if (f !== undefined) payload = f;
      else {
        const lenBytes = t === 0xc4 || t === 0xd9 || t === 0xc7 ? 1
          : t === 0xc5 || t === 0xda || t === 0xdc || t === 0xde || t === 0xc8 ? 2 : 4;
        if (avail < 1 + lenBytes) return -1;
        const n = lenBytes === 1 ? this.buf[p + 1]! : lenBytes === 2 ? this.view.getUint16(p + 1) : this.view.getUint32(p + 1);
        hdr = 1 + lenBytes;
        if (t === 0xdc || t === 0xdd) children = n;
        else if (t === 0xde || t === 0xdf) children = n * 2;
        else payload = n + (t >= 0xc7 && t <= 0xc9 ? 1 : 0); // ext carries a type byte
        if (payload > this.maxFrame) throw new FrameError(`frame exceeds ${this.maxFrame} bytes`);
      }
    }
    if (children >= 0) {
      if (avail < hdr) return -1;
      if (this.owed.length > 0) this.owed[this.owed.length - 1]!--;
      if (children > 0) this.owed.push(children);
      return hdr;
    }
    if (avail < hdr + payload) return -1;
    if (this.owed.length > 0) this.owed[this.owed.length - 1]!--;
    return hdr + payload;
  }
}
