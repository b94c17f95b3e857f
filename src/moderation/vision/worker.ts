/**
 * Entry point of a vision worker thread. Models load on the first task that needs them; tasks run
 * one at a time (a tfjs backend is not re-entrant), so a worker is one core's worth of inference.
 */
import { parentPort } from 'node:worker_threads';
import { decodeRgb } from './decode.js';
import { detectFaces, FACE_INPUT_SIZE, loadFaceDetector } from './face-detector.js';
import { flatness } from './flatness.js';
import { classifyRgb, loadNsfwClassifier, NSFW_INPUT_SIZE } from './nsfw-classifier.js';
import type { FacesResult, LoadResult, NsfwResult, VisionTask, WorkerReply, WorkerRequest } from './protocol.js';
import { sampleFrames } from './video-frames.js';

/** Largest side at which face texture is measured (faces are measured at their own resolution up to this). */
const TEXTURE_SIZE = 1600;

async function faces(image: Uint8Array, maxPixels: number): Promise<Omit<FacesResult, 'ms'>> {
  const rgb = await decodeRgb(image, maxPixels, { width: FACE_INPUT_SIZE, height: FACE_INPUT_SIZE, fit: 'inside' });
  const found = await detectFaces(rgb);
  if (found.length === 0) return { faces: [], width: rgb.width, height: rgb.height };
  const texture = await decodeRgb(image, maxPixels, {
    width: TEXTURE_SIZE,
    height: TEXTURE_SIZE,
    fit: 'inside',
    withoutEnlargement: true,
  });
  const scale = texture.width / rgb.width;
  const faces = [];
  for (const face of found) {
    const box = face.box.map(Math.round) as FacesResult['faces'][number]['box'];
    const flat = await flatness(texture, [box[0] * scale, box[1] * scale, box[2] * scale, box[3] * scale]);
    faces.push({ score: Math.round(face.score * 1000) / 1000, box, flatness: Math.round(flat * 1000) / 1000 });
  }
  return { faces, width: rgb.width, height: rgb.height };
}

async function run(task: VisionTask): Promise<FacesResult | NsfwResult | LoadResult> {
  const started = performance.now();
  const ms = () => Math.round((performance.now() - started) * 10) / 10;
  switch (task.type) {
    case 'load':
      await (task.model === 'faces' ? loadFaceDetector() : loadNsfwClassifier());
      return { ms: ms() };
    case 'faces': {
      const result = await faces(task.image, task.maxPixels);
      return { ...result, ms: ms() };
    }
    case 'nsfw-image': {
      const rgb = await decodeRgb(task.image, task.maxPixels, {
        width: NSFW_INPUT_SIZE,
        height: NSFW_INPUT_SIZE,
        fit: 'fill',
      });
      return { frames: [await classifyRgb(rgb.data)], ms: ms() };
    }
    case 'nsfw-video': {
      const frames = await sampleFrames(task.ffmpegPath, task.path, task.frames, task.seconds, NSFW_INPUT_SIZE);
      const scores = [];
      for (const frame of frames) scores.push(await classifyRgb(frame));
      return { frames: scores, ms: ms() };
    }
  }
}

const port = parentPort;
if (!port) throw new Error('the vision worker must run in a worker thread');
let queue: Promise<unknown> = Promise.resolve();
port.on('message', (request: WorkerRequest) => {
  queue = queue.then(async () => {
    let reply: WorkerReply;
    try {
      reply = { id: request.id, ok: true, result: await run(request.task) };
    } catch (err) {
      reply = { id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
  });
});
