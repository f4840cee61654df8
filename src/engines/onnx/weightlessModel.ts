/**
 * The model without its weights: an ONNX file's structure read field by field from disk, with every
 * large initializer turned into ONNX external data that points back into the same file (location,
 * offset, length). ONNX Runtime then reads the weights itself, straight into its own tensors, so the
 * engine never holds a copy of them in JavaScript, and a graph grown from this one (the fused measure
 * scorer) needs no copy of the model on disk. Initializers that are already external data (a
 * `model.onnx_data` beside the file) keep their references. The session that loads these bytes must be
 * told the folder the references are relative to (sessionFactory.ts: externalDataDir).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { concat, pbBytes, pbMessage, pbString, pbVarint } from './protobuf';

/** Initializers smaller than this stay inline (ONNX's own default threshold for external data). */
const MIN_EXTERNAL_BYTES = 1024;
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR = { rawData: 9, externalData: 13, dataLocation: 14 } as const;
const DATA_LOCATION_EXTERNAL = 1;

export interface WeightlessModel {
  /** A ModelProto whose large initializers are external references into `file`. */
  bytes: Uint8Array;
  /** Initializers turned into references by this reader. */
  referencedTensors: number;
  referencedBytes: number;
}

interface FieldSpan {
  field: number;
  /** The whole entry, key included. */
  start: number;
  /** The value: a varint, a fixed-size number or the payload of a length-delimited field. */
  valueStart: number;
  end: number;
}

/** Bytes read at a time around the structure: a graph's thousands of small fields cost a few reads, not one each. */
const WINDOW = 64 * 1024;

/**
 * Reads protobuf entries from a file with positioned reads through one window; only what is asked for
 * is read (the weights between the fields are skipped).
 */
class FileFields {
  private readonly fd: number;
  readonly size: number;
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  private readFully(out: Buffer, start: number): void {
    for (let o = 0; o < out.length; ) {
      const n = readSync(this.fd, out, o, out.length - o, start + o);
      if (n <= 0) throw new Error('truncated file');
      o += n;
    }
  }

  /** Up to `length` bytes at `start` (fewer at the end of the file), from the window, moved there if needed. */
  private view(start: number, length: number): Buffer {
    const end = Math.min(start + length, this.size);
    if (start < this.windowStart || end > this.windowStart + this.window.length) {
      this.window = Buffer.allocUnsafe(Math.min(WINDOW, this.size - start));
      this.windowStart = start;
      this.readFully(this.window, start);
    }
    return this.window.subarray(start - this.windowStart, end - this.windowStart);
  }

  bytes(start: number, end: number): Uint8Array {
    if (end - start <= WINDOW) return Buffer.from(this.view(start, end - start));
    const out = Buffer.allocUnsafe(end - start);
    this.readFully(out, start);
    return out;
  }

  /** The entries between `start` and `end`, in order. Throws on malformed input. */
  *entries(start: number, end: number): Generator<FieldSpan> {
    for (let pos = start; pos < end; ) {
      const head = this.view(pos, Math.min(20, end - pos));
      const n = head.length;
      let i = 0;
      const varint = (): number => {
        let v = 0,
          scale = 1;
        for (;;) {
          if (i >= n) throw new Error('truncated varint');
          const b = head[i++];
          v += (b & 0x7f) * scale;
          if (b < 0x80) return v;
          scale *= 128;
        }
      };
      const key = varint();
      const field = Math.floor(key / 8),
        wire = key % 8;
      let valueStart = pos + i,
        next: number;
      if (wire === 0) next = pos + (varint(), i);
      else if (wire === 2) {
        const len = varint();
        valueStart = pos + i;
        next = valueStart + len;
      } else if (wire === 5) next = valueStart + 4;
      else if (wire === 1) next = valueStart + 8;
      else throw new Error(`unsupported wire type ${wire}`);
      if (next > end) throw new Error('truncated field');
      yield { field, start: pos, valueStart, end: next };
      pos = next;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

const entry = (key: string, value: string) => pbMessage(TENSOR.externalData, [pbString(1, key), pbString(2, value)]);

/** The initializer as it is, or with its raw data replaced by a reference into the file. */
function initializer(
  f: FileFields,
  span: FieldSpan,
  location: string,
  counts: { tensors: number; bytes: number },
): Uint8Array {
  const kept: Uint8Array[] = [];
  let raw: FieldSpan | null = null;
  for (const t of f.entries(span.valueStart, span.end)) {
    if (t.field === TENSOR.rawData && t.end - t.valueStart >= MIN_EXTERNAL_BYTES) raw = t;
    else kept.push(f.bytes(t.start, t.end));
  }
  if (!raw) return f.bytes(span.start, span.end);
  counts.tensors++;
  counts.bytes += raw.end - raw.valueStart;
  const reference = [
    entry('location', location),
    entry('offset', String(raw.valueStart)),
    entry('length', String(raw.end - raw.valueStart)),
  ];
  return pbMessage(GRAPH_INITIALIZER, [...kept, ...reference, pbVarint(TENSOR.dataLocation, DATA_LOCATION_EXTERNAL)]);
}

/** Reads `file` (an ONNX ModelProto) without its weights. Throws on a file that is not one. */
export function readWeightlessModel(file: string): WeightlessModel {
  const f = new FileFields(file);
  const counts = { tensors: 0, bytes: 0 };
  try {
    const top: Uint8Array[] = [];
    for (const m of f.entries(0, f.size)) {
      if (m.field !== MODEL_GRAPH) {
        top.push(f.bytes(m.start, m.end));
        continue;
      }
      const graph: Uint8Array[] = [];
      for (const g of f.entries(m.valueStart, m.end)) {
        graph.push(g.field === GRAPH_INITIALIZER ? initializer(f, g, basename(file), counts) : f.bytes(g.start, g.end));
      }
      top.push(pbBytes(MODEL_GRAPH, concat(graph)));
    }
    return { bytes: concat(top), referencedTensors: counts.tensors, referencedBytes: counts.bytes };
  } finally {
    f.close();
  }
}
