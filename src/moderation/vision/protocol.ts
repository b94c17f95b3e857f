import type { OutputClass } from '../defaults.js';

/** Work a vision worker does. Image bytes travel as transferred buffers, videos by file path. */
export type VisionTask =
  | { type: 'faces'; image: Uint8Array; maxPixels: number }
  | { type: 'nsfw-image'; image: Uint8Array; maxPixels: number }
  | { type: 'nsfw-video'; path: string; frames: number; seconds: number; ffmpegPath: string }
  /** Loads a model without classifying anything (benchmarks separate load time from inference). */
  | { type: 'load'; model: 'faces' | 'nsfw' };

export interface FaceFinding {
  /** Detector confidence 0–1. */
  score: number;
  /** x, y, width, height in pixels of the analysed image. */
  box: [number, number, number, number];
  /** Share of flat pixels inside the face, 0–1: high for flat-colour drawings, low for photos. */
  flatness: number;
}

export interface FacesResult {
  faces: FaceFinding[];
  /** Size of the analysed (downscaled) image. */
  width: number;
  height: number;
  /** Worker time spent on this image: decode, detection, features. */
  ms: number;
}

export type NsfwScores = Record<OutputClass, number>;

export interface NsfwResult {
  /** One entry per image, or per sampled video frame. */
  frames: NsfwScores[];
  ms: number;
}

export interface LoadResult {
  ms: number;
}

export interface WorkerRequest {
  id: number;
  task: VisionTask;
}

export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
