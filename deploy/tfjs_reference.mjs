// Outputs of TensorFlow.js graph models on fixed inputs, run by TensorFlow.js itself (its
// pure-JavaScript CPU backend): the reference the ONNX exports of deploy/convert_tfjs.py
// are tested against (tests/vision/test_tfjs_export.py). Run once, in a throwaway folder
// with @tensorflow/tfjs installed (make tfjs-reference); the output is committed as data.
//
//   node tfjs_reference.mjs MODELS_DIR OUT.json NAME...
//
// Input i of a model is pattern(seed, k) for its k-th element, in row-major NHWC order:
// the same formula in tests/vision/test_tfjs_export.py makes the same floats.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

const SEEDS = [1, 2, 3];

export function pattern(seed, count) {
  const values = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    // A smooth image-like ramp with a little texture, in [0, 1].
    const x = Math.sin(0.001 * k * seed + seed) * 0.5 + 0.5;
    values[k] = 0.8 * x + 0.2 * ((k * 7919 + seed * 104729) % 1000) / 1000;
  }
  return values;
}

const topologies = {};

async function load(directory, name) {
  const topology = JSON.parse(fs.readFileSync(path.join(directory, `${name}.json`)));
  topologies[name] = topology;
  const specs = topology.weightsManifest.flatMap((group) => group.weights);
  const buffers = topology.weightsManifest.flatMap((group) => group.paths).map(
    (file) => fs.readFileSync(path.join(directory, file)),
  );
  const joined = Buffer.concat(buffers);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.length);
  return tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: topology.modelTopology, weightSpecs: specs, weightData,
  }));
}

const [directory, out, ...names] = process.argv.slice(2);
await tf.setBackend('cpu');
const reference = {};
for (const name of names) {
  const model = await load(directory, name);
  const shape = model.inputs[0].shape.map((size) => (size === -1 || size === null ? 1 : size));
  const count = shape.reduce((a, b) => a * b, 1);
  reference[name] = SEEDS.map((seed) => {
    const input = tf.tensor(pattern(seed, count), shape);
    // The signature's outputs, in order, as deploy/convert_tfjs.py exports them.
    const declared = Object.values(topologies[name].signature?.outputs ?? {});
    const names = declared.length ? declared.map((entry) => entry.name.split(':')[0]) : undefined;
    const result = model.execute(input, names);
    const outputs = (Array.isArray(result) ? result : [result]).map((t) => Array.from(t.dataSync()));
    return { seed, shape, outputs };
  });
}
fs.writeFileSync(out, JSON.stringify({ tfjs: tf.version.tfjs, models: reference }, null, 1));
