// node --test scripts/build-face-model.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildFaceModel, readTfliteMetadata, addTfliteMetadata, buildModelMetadata, FlatReader, SOURCE_MODEL } from './build-face-model.mjs';

test('adds a TFLITE_METADATA ModelMetadata (M001) with RGB image input and 127.5/127.5 normalization', () => {
  const meta = readTfliteMetadata(buildFaceModel());
  assert.equal(meta.identifier, 'M001');
  assert.equal(meta.subgraphs.length, 1);
  const [sg] = meta.subgraphs;
  assert.equal(sg.inputs.length, 1);
  assert.equal(sg.inputs[0].contentType, 2); // ImageProperties
  assert.equal(sg.inputs[0].colorSpace, 1); // RGB
  assert.deepEqual(sg.inputs[0].processUnits, [{ type: 1, mean: [127.5], std: [127.5] }]);
  assert.deepEqual(sg.outputs.map((o) => o.name), ['regressors', 'classificators']);
});

test('is reproducible and keeps the original model bytes intact, 16-byte aligned', () => {
  const source = new Uint8Array(readFileSync(SOURCE_MODEL));
  const a = buildFaceModel();
  const b = buildFaceModel();
  assert.deepEqual(a, b);
  const shift = a.length - source.length;
  assert.equal(shift % 16, 0);
  assert.deepEqual(a.subarray(shift), source);
  const r = new FlatReader(a);
  assert.equal(r.identifier(), 'TFL3');
  const model = r.root();
  const orig = new FlatReader(source);
  // Same subgraphs / operator codes (by position) and one more buffer than the source.
  assert.equal(r.refField(model, 2), orig.refField(orig.root(), 2) + shift);
  assert.equal(r.refField(model, 1), orig.refField(orig.root(), 1) + shift);
  assert.equal(r.vectorLength(r.refField(model, 4)), orig.vectorLength(orig.refField(orig.root(), 4)) + 1);
});

test('refuses a non-TFLite input and a model that already has metadata', () => {
  assert.throws(() => addTfliteMetadata(new Uint8Array(64), buildModelMetadata()), /not a TFLite model/);
  assert.throws(() => addTfliteMetadata(buildFaceModel(), buildModelMetadata()), /already carries/);
});
