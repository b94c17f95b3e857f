import { spawn } from 'node:child_process';

/** One frame at `at` seconds, scaled to `size`×`size` RGB, streamed back from ffmpeg (nothing on disk). */
function frameAt(ffmpegPath: string, path: string, at: number, size: number): Promise<Buffer | null> {
  // -ss before -i seeks to the nearest keyframe and decodes only from there, not the whole video.
  const args = [
    '-v',
    'error',
    '-nostdin',
    '-ss',
    at.toFixed(3),
    '-i',
    path,
    '-frames:v',
    '1',
    '-vf',
    `scale=${size}:${size}:flags=bilinear`,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    'pipe:1',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      if (errors.length < 2000) errors += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const frame = Buffer.concat(chunks);
      if (frame.length >= size * size * 3) resolve(frame.subarray(0, size * size * 3));
      else if (code === 0) resolve(null);
      else
        reject(
          new Error(
            `ffmpeg could not read a frame at ${at.toFixed(2)} s (exit ${code}): ${errors.trim().slice(0, 300)}`,
          ),
        );
    });
  });
}

/**
 * Samples `count` frames spread over a video: the middle of `count` equal slices, so never the
 * fade-in at 0 s nor a point past the end. One ffmpeg run per frame, one after another: each seeks
 * to the keyframe before its time and decodes from there, which for typical upstream videos (a
 * keyframe every second or two) is far less work than decoding the whole video.
 */
export async function sampleFrames(
  ffmpegPath: string,
  path: string,
  count: number,
  seconds: number,
  size: number,
): Promise<Buffer[]> {
  const duration = Math.max(0.1, seconds);
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const frame = await frameAt(ffmpegPath, path, ((i + 0.5) * duration) / count, size);
    if (frame) frames.push(frame);
  }
  // A recorded duration longer than the video leaves only the first frame to look at.
  if (frames.length === 0) {
    const first = await frameAt(ffmpegPath, path, 0, size);
    if (first) frames.push(first);
  }
  if (frames.length === 0) throw new Error('ffmpeg gave no frames from the video');
  return frames;
}
