/**
 * Just enough protobuf to splice nodes into an ONNX ModelProto without a schema: read the top-level
 * fields of a message, and write varints, strings and nested messages. Repeated fields in protobuf
 * may be extended by appending entries, so a graph grows by concatenation.
 */
export interface PbField {
  field: number;
  wire: number;
  /** Byte range of the whole entry (key included). */
  start: number;
  end: number;
  /** Value: varint as bigint, or the bytes of a length-delimited field. */
  varint?: bigint;
  bytes?: Uint8Array;
}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n,
    shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [result, pos];
    shift += 7n;
    if (shift > 70n) throw new Error('varint too long');
  }
}

/** Top-level fields of a serialized message, in order. Throws on malformed input. */
export function readFields(buf: Uint8Array): PbField[] {
  const out: PbField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const field = Number(key >> 3n),
      wire = Number(key & 7n);
    if (wire === 0) {
      const [v, p2] = readVarint(buf, pos);
      out.push({ field, wire, start, end: p2, varint: v });
      pos = p2;
    } else if (wire === 2) {
      const [len, p2] = readVarint(buf, pos);
      const end = p2 + Number(len);
      if (end > buf.length) throw new Error('truncated length-delimited field');
      out.push({ field, wire, start, end, bytes: buf.subarray(p2, end) });
      pos = end;
    } else if (wire === 5) {
      out.push({ field, wire, start, end: pos + 4 });
      pos += 4;
    } else if (wire === 1) {
      out.push({ field, wire, start, end: pos + 8 });
      pos += 8;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

/** The values of a repeated varint field (an ONNX tensor's dims, say), whether written packed or one entry each. */
export function repeatedVarints(fields: PbField[], field: number): number[] {
  const out: number[] = [];
  for (const f of fields.filter((x) => x.field === field)) {
    if (f.varint !== undefined) {
      out.push(Number(f.varint));
      continue;
    }
    let v = 0,
      scale = 1;
    for (const b of f.bytes ?? []) {
      v += (b & 0x7f) * scale;
      if (b < 0x80) {
        out.push(v);
        v = 0;
        scale = 1;
      } else scale *= 128;
    }
  }
  return out;
}

export function varint(n: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const key = (field: number, wire: number) => varint((field << 3) | wire);
export const pbVarint = (field: number, n: number | bigint): Uint8Array => concat([key(field, 0), varint(n)]);
export const pbBytes = (field: number, b: Uint8Array): Uint8Array => concat([key(field, 2), varint(b.length), b]);
export const pbString = (field: number, s: string): Uint8Array => pbBytes(field, new TextEncoder().encode(s));
export const pbMessage = (field: number, parts: Uint8Array[]): Uint8Array => pbBytes(field, concat(parts));
export const utf8String = (b: Uint8Array | undefined): string => new TextDecoder().decode(b ?? new Uint8Array());
