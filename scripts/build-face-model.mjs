#!/usr/bin/env node
/**
 * Builds dist/assets/face_detector.tflite from @mediapipe/face_detection's
 * face_detection_short_range.tflite by adding the TFLite metadata that the MediaPipe tasks
 * FaceDetector requires (it refuses float32 inputs without NormalizationOptions metadata).
 *
 * How: the model file is a flatbuffer whose offsets are relative and point forward. We keep the
 * original bytes untouched and PREPEND a new root: a new Model table that references the original
 * operator codes, subgraphs, description and buffers, plus one new Buffer holding a ModelMetadata
 * flatbuffer (file identifier "M001") and a `metadata` entry named TFLITE_METADATA pointing at it.
 * The prepended block is padded to a multiple of 16 bytes so every original buffer keeps its
 * alignment. Output is deterministic; the file is only rewritten when its bytes would change.
 *
 * Usage: node scripts/build-face-model.mjs [--out path] [--check]
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
export const SOURCE_MODEL = join(dirname(require.resolve('@mediapipe/face_detection/package.json')), 'face_detection_short_range.tflite');
export const DEFAULT_OUT = join(ROOT, 'dist/assets/face_detector.tflite');

// ---------------------------------------------------------------------------------------------
// Minimal flatbuffer reader (enough to walk the TFLite Model root table).

/** Reads tables/vectors of a flatbuffer held in a Uint8Array. */
export class FlatReader {
  /** @param {Uint8Array} bytes */
  constructor(bytes) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  /** @param {number} p */
  u8(p) { return this.view.getUint8(p); }
  /** @param {number} p */
  u16(p) { return this.view.getUint16(p, true); }
  /** @param {number} p */
  u32(p) { return this.view.getUint32(p, true); }
  /** @param {number} p */
  i32(p) { return this.view.getInt32(p, true); }
  /** @param {number} p */
  f32(p) { return this.view.getFloat32(p, true); }
  root() { return this.u32(0); }
  identifier() { return new TextDecoder().decode(this.bytes.subarray(4, 8)); }
  /** Follows a uoffset stored at `p`. */
  /** @param {number} p */
  deref(p) { return p + this.u32(p); }
  /** @param {number} table */
  fieldCount(table) { const vt = table - this.i32(table); return (this.u16(vt) - 4) / 2; }
  /** Absolute position of field `i` of the table at `table`, or 0 when absent. */
  /** @param {number} table @param {number} i */
  field(table, i) {
    const vt = table - this.i32(table);
    if (i >= (this.u16(vt) - 4) / 2) return 0;
    const off = this.u16(vt + 4 + 2 * i);
    return off ? table + off : 0;
  }
  /** Absolute position of the object a reference field points to, or 0. */
  /** @param {number} table @param {number} i */
  refField(table, i) { const p = this.field(table, i); return p ? this.deref(p) : 0; }
  /** @param {number} vec */
  vectorLength(vec) { return this.u32(vec); }
  /** Absolute positions of the objects a vector of references points to. */
  /** @param {number} vec */
  refVector(vec) { return Array.from({ length: this.u32(vec) }, (_, k) => this.deref(vec + 4 + 4 * k)); }
  /** @param {number} p */
  string(p) { return new TextDecoder().decode(this.bytes.subarray(p + 4, p + 4 + this.u32(p))); }
  /** @param {number} vec */
  bytesOf(vec) { return this.bytes.subarray(vec + 4, vec + 4 + this.u32(vec)); }
  /** @param {number} vec */
  f32Vector(vec) { return Array.from({ length: this.u32(vec) }, (_, k) => this.f32(vec + 4 + 4 * k)); }
}

// ---------------------------------------------------------------------------------------------
// Minimal forward flatbuffer writer: lays objects out parent-first so every uoffset points forward
// (as the format requires); vtables are written just before their table (soffset is signed).

/**
 * @typedef {'u8' | 'i8' | 'u16' | 'u32' | 'i32' | 'f32' | 'ref'} ScalarType
 * @typedef {{ t: 'u8' | 'u32', v: number } | { t: 'ref', node: FbNode }} FbField a table field (null: absent)
 * @typedef {{ kind: 'table', fields: (FbField | null)[] }
 *   | { kind: 'string', value: string }
 *   | { kind: 'refs', items: FbNode[] }
 *   | { kind: 'f32s', values: number[] }
 *   | { kind: 'bytes', data: Uint8Array, align: number }
 *   | { kind: 'existing', position: number }} FbNode an object to write
 */

/** @type {Record<ScalarType, number>} */
const SCALAR_SIZE = { u8: 1, i8: 1, u16: 2, u32: 4, i32: 4, f32: 4, ref: 4 };

export const fb = {
  /** @param {(FbField | null)[]} fields @returns {FbNode} */
  table: (fields) => ({ kind: 'table', fields }),
  /** @param {string} value @returns {FbNode} */
  string: (value) => ({ kind: 'string', value }),
  /** @param {FbNode[]} items @returns {FbNode} */
  refs: (items) => ({ kind: 'refs', items }),
  /** @param {number[]} values @returns {FbNode} */
  f32s: (values) => ({ kind: 'f32s', values }),
  /** @param {Uint8Array} data @param {number} [align] @returns {FbNode} */
  bytes: (data, align = 16) => ({ kind: 'bytes', data, align }),
  /** An object already present at an absolute position of the final file. @param {number} position @returns {FbNode} */
  existing: (position) => ({ kind: 'existing', position }),
  /** @param {number} v @returns {FbField} */
  u8: (v) => ({ t: 'u8', v }),
  /** @param {number} v @returns {FbField} */
  u32: (v) => ({ t: 'u32', v }),
  /** @param {FbNode} node @returns {FbField} */
  ref: (node) => ({ t: 'ref', node }),
};

class ForwardWriter {
  constructor() { this.buf = new Uint8Array(4096); this.len = 0; }
  get view() { return new DataView(this.buf.buffer); }
  /** @param {number} n */
  reserve(n) {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  /** @param {number} align @param {number} [offset] */
  pad(align, offset = 0) { while ((this.len + offset) % align) this.put('u8', 0); }
  /** @param {ScalarType} type @param {number} v */
  put(type, v) {
    const size = SCALAR_SIZE[type];
    this.reserve(size);
    const dv = this.view, p = this.len;
    if (type === 'u8') dv.setUint8(p, v);
    else if (type === 'i8') dv.setInt8(p, v);
    else if (type === 'u16') dv.setUint16(p, v, true);
    else if (type === 'u32' || type === 'ref') dv.setUint32(p, v, true);
    else if (type === 'i32') dv.setInt32(p, v, true);
    else dv.setFloat32(p, v, true); // f32
    this.len += size;
    return p;
  }
  /** @param {Uint8Array} bytes */
  raw(bytes) { this.reserve(bytes.length); this.buf.set(bytes, this.len); this.len += bytes.length; }
  /** @param {number} at @param {number} target */
  patchRef(at, target) {
    if (target <= at) throw new Error(`flatbuffer offset must point forward (${at} -> ${target})`);
    this.view.setUint32(at, target - at, true);
  }
  /**
   * Writes `node` (and its children) and returns the position references should point at.
   * @param {FbNode} node
   * @returns {number}
   */
  emit(node) {
    switch (node.kind) {
      case 'existing': return node.position;
      case 'string': {
        const data = new TextEncoder().encode(node.value);
        this.pad(4);
        const p = this.put('u32', data.length);
        this.raw(data);
        this.put('u8', 0);
        return p;
      }
      case 'f32s': {
        this.pad(4);
        const p = this.put('u32', node.values.length);
        for (const v of node.values) this.put('f32', v);
        return p;
      }
      case 'bytes': {
        this.pad(node.align, 4); // the payload (after the length) is aligned
        const p = this.put('u32', node.data.length);
        this.raw(node.data);
        return p;
      }
      case 'refs': {
        this.pad(4);
        const p = this.put('u32', node.items.length);
        const slots = node.items.map(() => this.put('ref', 0));
        node.items.forEach((item, k) => {
          this.patchRef(/** @type {number} */ (slots[k]), this.emit(item));
        });
        return p;
      }
      case 'table': {
        // Inline layout: soffset, then fields in declaration order, each aligned to its size.
        /** @type {number[]} */
        const offsets = [];
        let size = 4;
        for (const f of node.fields) {
          if (!f) { offsets.push(0); continue; }
          const s = SCALAR_SIZE[f.t];
          size = Math.ceil(size / s) * s;
          offsets.push(size);
          size += s;
        }
        size = Math.ceil(size / 4) * 4;
        this.pad(2);
        const vt = this.put('u16', 4 + 2 * node.fields.length);
        this.put('u16', size);
        for (const o of offsets) this.put('u16', o);
        this.pad(4);
        const table = this.put('i32', 0);
        this.view.setInt32(table, table - vt, true);
        /** @type {[number, FbNode][]} */
        const refs = [];
        node.fields.forEach((f, i) => {
          if (!f) return;
          while (this.len < table + (offsets[i] ?? 0)) this.put('u8', 0);
          const at = this.put(f.t, f.t === 'ref' ? 0 : f.v);
          if (f.t === 'ref') refs.push([at, f.node]);
        });
        while (this.len < table + size) this.put('u8', 0);
        for (const [at, child] of refs) this.patchRef(at, this.emit(child));
        return table;
      }
      default: throw new Error(`unknown node ${/** @type {{ kind: string }} */ (node).kind}`);
    }
  }
  /**
   * A complete flatbuffer: root offset, 4-byte file identifier, then the root object.
   * @param {FbNode} rootNode
   * @param {string} identifier
   */
  finish(rootNode, identifier) {
    const rootSlot = this.put('ref', 0);
    this.raw(new TextEncoder().encode(identifier));
    this.patchRef(rootSlot, this.emit(rootNode));
    return this.buf.slice(0, this.len);
  }
}

// ---------------------------------------------------------------------------------------------
// metadata_schema.fbs (tflite-support), the parts we populate.

const CONTENT_PROPERTIES_IMAGE = 2; // union ContentProperties { FeatureProperties, ImageProperties, ... }
const COLOR_SPACE_RGB = 1;
const PROCESS_UNIT_NORMALIZATION = 1; // union ProcessUnitOptions { NormalizationOptions, ... }

/**
 * @param {string} name
 * @param {string} description
 * @param {(FbField | null)[]} [extra]
 */
function tensorMetadata(name, description, extra = []) {
  // TensorMetadata: name, description, dimension_names, content, process_units, stats, associated_files
  return fb.table([fb.ref(fb.string(name)), fb.ref(fb.string(description)), ...extra]);
}

/** The ModelMetadata flatbuffer (identifier M001) for the BlazeFace short-range model. */
export function buildModelMetadata() {
  const imageContent = fb.table([
    fb.u8(CONTENT_PROPERTIES_IMAGE), // content_properties_type
    fb.ref(fb.table([fb.u8(COLOR_SPACE_RGB)])), // ImageProperties { color_space }
  ]);
  const normalization = fb.table([
    fb.u8(PROCESS_UNIT_NORMALIZATION), // options_type
    fb.ref(fb.table([fb.ref(fb.f32s([127.5])), fb.ref(fb.f32s([127.5]))])), // NormalizationOptions { mean, std }
  ]);
  const input = tensorMetadata('image', 'RGB image, 128x128, normalized to [-1, 1].', [
    null, // dimension_names
    fb.ref(imageContent),
    fb.ref(fb.refs([normalization])),
  ]);
  const subgraph = fb.table([
    null, // name
    null, // description
    fb.ref(fb.refs([input])),
    fb.ref(
      fb.refs([
        tensorMetadata('regressors', 'Box and keypoint offsets for 896 anchors (16 values each).'),
        tensorMetadata('classificators', 'Face score logits for 896 anchors.'),
      ]),
    ),
  ]);
  const model = fb.table([
    fb.ref(fb.string('BlazeFace short-range face detector')),
    fb.ref(fb.string('face_detection_short_range.tflite from @mediapipe/face_detection with TFLite metadata added by eye-proctor.')),
    fb.ref(fb.string('1')),
    fb.ref(fb.refs([subgraph])),
    fb.ref(fb.string('Google (MediaPipe)')),
    fb.ref(fb.string('Apache License 2.0')),
    null, // associated_files
    fb.ref(fb.string('1.0.0')), // min_parser_version: only 1.0.0 features are used
  ]);
  return new ForwardWriter().finish(model, 'M001');
}

// ---------------------------------------------------------------------------------------------
// TFLite schema.fbs: Model { version, operator_codes, subgraphs, description, buffers,
// metadata_buffer, metadata, signature_defs }, Buffer { data, offset, size }, Metadata { name, buffer }.

const MODEL_VERSION = 0, MODEL_BUFFERS = 4, MODEL_METADATA = 6;

/**
 * Returns the model bytes with a TFLITE_METADATA entry holding `metadata`.
 * @param {Uint8Array} modelBytes
 * @param {Uint8Array} metadata
 */
export function addTfliteMetadata(modelBytes, metadata) {
  const r = new FlatReader(modelBytes);
  if (r.identifier() !== 'TFL3') throw new Error('not a TFLite model (missing TFL3 identifier)');
  const model = r.root();
  const oldBuffers = r.refField(model, MODEL_BUFFERS);
  const oldMetadata = r.refField(model, MODEL_METADATA);
  const existingMetadata = oldMetadata ? r.refVector(oldMetadata) : [];
  for (const m of existingMetadata) {
    if (r.string(r.refField(m, 0)) === 'TFLITE_METADATA') throw new Error('model already carries TFLITE_METADATA');
  }
  const bufferPositions = oldBuffers ? r.refVector(oldBuffers) : [];

  /** @param {number} shift */
  const layout = (shift) => {
    /** @param {number} p */
    const at = (p) => fb.existing(p + shift);
    /** @type {(FbField | null)[]} */
    const fields = [];
    for (let i = 0; i < Math.max(r.fieldCount(model), MODEL_METADATA + 1); i++) {
      const p = r.field(model, i);
      if (i === MODEL_VERSION) fields.push(p ? fb.u32(r.u32(p)) : null);
      else if (i === MODEL_BUFFERS) {
        const metadataBuffer = fb.table([fb.ref(fb.bytes(metadata, 16))]);
        fields.push(fb.ref(fb.refs([...bufferPositions.map(at), metadataBuffer])));
      } else if (i === MODEL_METADATA) {
        const entry = fb.table([fb.ref(fb.string('TFLITE_METADATA')), fb.u32(bufferPositions.length)]);
        fields.push(fb.ref(fb.refs([...existingMetadata.map(at), entry])));
      } else fields.push(p ? fb.ref(at(r.deref(p))) : null);
    }
    return new ForwardWriter().finish(fb.table(fields), 'TFL3');
  };
  // Layout size does not depend on the shift's value: measure with a shift past any header size,
  // then lay out for real.
  const shift = Math.ceil(layout(1 << 24).length / 16) * 16;
  const head = layout(shift);
  const out = new Uint8Array(shift + modelBytes.length);
  out.set(head, 0);
  out.set(modelBytes, shift);
  return out;
}

/**
 * Reads back the TFLITE_METADATA ModelMetadata of a model (for verification and tests).
 * @param {Uint8Array} modelBytes
 */
export function readTfliteMetadata(modelBytes) {
  const r = new FlatReader(modelBytes);
  const model = r.root();
  const metadata = r.refField(model, MODEL_METADATA);
  if (!metadata) return null;
  const entry = r.refVector(metadata).find((m) => r.string(r.refField(m, 0)) === 'TFLITE_METADATA');
  if (!entry) return null;
  const buffer = r.refVector(r.refField(model, MODEL_BUFFERS))[r.u32(r.field(entry, 1))];
  const m = new FlatReader(r.bytesOf(r.refField(buffer, 0)).slice());
  const root = m.root();
  /** @param {number} t @param {number} i */
  const str = (t, i) => (m.refField(t, i) ? m.string(m.refField(t, i)) : null);
  /** @param {number} t */
  const tensor = (t) => {
    const content = m.refField(t, 3);
    const units = m.refField(t, 4) ? m.refVector(m.refField(t, 4)) : [];
    return {
      name: str(t, 0),
      contentType: content && m.field(content, 0) ? m.u8(m.field(content, 0)) : 0,
      colorSpace: content && m.refField(content, 1) && m.field(m.refField(content, 1), 0) ? m.u8(m.field(m.refField(content, 1), 0)) : 0,
      processUnits: units.map((u) => {
        const opts = m.refField(u, 1);
        return { type: m.u8(m.field(u, 0)), mean: m.f32Vector(m.refField(opts, 0)), std: m.f32Vector(m.refField(opts, 1)) };
      }),
    };
  };
  const subgraphs = m.refVector(m.refField(root, 3)).map((sg) => ({
    inputs: m.refVector(m.refField(sg, 2)).map(tensor),
    outputs: m.refVector(m.refField(sg, 3)).map(tensor),
  }));
  return { identifier: m.identifier(), name: str(root, 0), minParserVersion: str(root, 7), subgraphs };
}

export function buildFaceModel(source = SOURCE_MODEL) {
  return addTfliteMetadata(new Uint8Array(readFileSync(source)), buildModelMetadata());
}

/** @param {string[]} argv */
function main(argv) {
  const outIdx = argv.indexOf('--out');
  const out = outIdx >= 0 ? resolve(argv[outIdx + 1]) : DEFAULT_OUT;
  const built = buildFaceModel();
  const current = existsSync(out) ? new Uint8Array(readFileSync(out)) : null;
  const upToDate = current && current.length === built.length && current.every((b, i) => b === built[i]);
  if (argv.includes('--check')) {
    if (!upToDate) { console.error(`${out} is missing or stale; run npm run build:model`); process.exit(1); }
    return;
  }
  if (upToDate) { console.log(`face model up to date: ${out}`); return; }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, built);
  console.log(`face model written: ${out} (${built.length} bytes)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
