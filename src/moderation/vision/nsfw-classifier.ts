import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { OUTPUT_CLASSES, type OutputClass } from '../defaults.js';
import type { NsfwScores } from './protocol.js';

interface Tensor {
  dispose(): void;
}
interface Tf {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  tensor3d(values: Int32Array, shape: [number, number, number], dtype: 'int32'): Tensor;
  io: { fromMemory(artifacts: Record<string, unknown>): unknown };
}
interface NsfwModel {
  classify(input: Tensor, topk?: number): Promise<{ className: string; probability: number }[]>;
}
interface NsfwModule {
  load(handler: unknown, options: { size: number }): Promise<NsfwModel>;
}

const require = createRequire(import.meta.url);

/** The MobileNetV2 model's input side. */
export const NSFW_INPUT_SIZE = 224;

let loading: Promise<{ tf: Tf; model: NsfwModel }> | null = null;

/**
 * Loads nsfwjs's bundled MobileNetV2 once per worker, on the WASM backend. The bundle ships its
 * weights as base64 inside a JS file; decoding them with Buffer (rather than nsfwjs's per-character
 * loop) cuts loading from about 4 s to well under one.
 */
export function loadNsfwClassifier(): Promise<{ tf: Tf; model: NsfwModel }> {
  loading ??= (async () => {
    // CommonJS builds throughout, so tfjs, its WASM backend and nsfwjs share one tfjs-core.
    const tf = require('@tensorflow/tfjs') as Tf;
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(prefix: string): void };
    wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend could not start');
    await tf.ready();
    const nsfwjs = require('nsfwjs') as NsfwModule;
    const modelDir = join(dirname(require.resolve('nsfwjs')), '..', 'models', 'mobilenet_v2');
    const json = require(join(modelDir, 'model.min.js')) as {
      modelTopology: unknown;
      weightsManifest: { paths: string[]; weights: unknown[] }[];
    };
    const weights = Buffer.concat(
      json.weightsManifest.flatMap((group) =>
        group.paths.map((path) => Buffer.from(require(join(modelDir, `${path}.min.js`)) as string, 'base64')),
      ),
    );
    const handler = tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
    });
    const model = await nsfwjs.load(handler, { size: NSFW_INPUT_SIZE });
    return { tf, model };
  })();
  return loading;
}

/** Scores of one 224×224 RGB image. */
export async function classifyRgb(rgb: Uint8Array): Promise<NsfwScores> {
  const { tf, model } = await loadNsfwClassifier();
  const input = tf.tensor3d(Int32Array.from(rgb), [NSFW_INPUT_SIZE, NSFW_INPUT_SIZE, 3], 'int32');
  try {
    const predictions = await model.classify(input, OUTPUT_CLASSES.length);
    const scores = Object.fromEntries(OUTPUT_CLASSES.map((c) => [c, 0])) as NsfwScores;
    for (const p of predictions) {
      const name = p.className.toLowerCase() as OutputClass;
      if (name in scores) scores[name] = Math.round(p.probability * 10_000) / 10_000;
    }
    return scores;
  } finally {
    input.dispose();
  }
}
