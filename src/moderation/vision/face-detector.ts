import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RgbImage } from './decode.js';
import { registerFileModelLoader, type TfIo } from './tfjs-file-loader.js';

/** The parts of @vladmandic/human and its tfjs-core used here. */
interface Tensor {
  dispose(): void;
}
interface HumanTf {
  io: TfIo;
  tensor3d(values: Int32Array, shape: [number, number, number], dtype: 'int32'): Tensor;
}
interface Human {
  tf: HumanTf;
  load(): Promise<void>;
  detect(input: Tensor): Promise<{
    face: { score: number; boxScore: number; box: [number, number, number, number] }[];
    error?: string | null;
  }>;
}
type HumanModule = { Human: new (config: Record<string, unknown>) => Human };

const require = createRequire(import.meta.url);

/** Largest side the detector looks at; BlazeFace itself works at 256 px. */
export const FACE_INPUT_SIZE = 512;

function createHuman(): Human {
  // The package's `exports` map lacks "./" prefixes, so its WASM build is reached by path.
  const distDir = dirname(require.resolve('@vladmandic/human'));
  const { Human } = require(join(distDir, 'human.node-wasm.js')) as HumanModule;
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  return new Human({
    backend: 'wasm',
    wasmPath: `${wasmDir}/`,
    modelBasePath: `${pathToFileURL(join(distDir, '..', 'models')).href}/`,
    debug: false,
    async: true,
    warmup: 'none',
    // Every image is a new one: no result reuse between "frames".
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: { rotation: false, maxDetected: 10, minConfidence: 0.3, skipFrames: 0, skipTime: 0, return: false },
      mesh: { enabled: false },
      iris: { enabled: false },
      attention: { enabled: false },
      description: { enabled: false },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  });
}

let loading: Promise<Human> | null = null;

/** Loads BlazeFace once per worker, from the weights shipped in the npm package. */
export function loadFaceDetector(): Promise<Human> {
  loading ??= (async () => {
    const human = createHuman();
    registerFileModelLoader(human.tf.io);
    await human.load();
    return human;
  })();
  return loading;
}

export interface DetectedFace {
  score: number;
  box: [number, number, number, number];
}

export async function detectFaces(image: RgbImage): Promise<DetectedFace[]> {
  const human = await loadFaceDetector();
  const input = human.tf.tensor3d(Int32Array.from(image.data), [image.height, image.width, 3], 'int32');
  try {
    const result = await human.detect(input);
    if (result.error) throw new Error(`face detector: ${result.error}`);
    return result.face.map((f) => ({ score: f.boxScore ?? f.score, box: f.box }));
  } finally {
    input.dispose();
  }
}
