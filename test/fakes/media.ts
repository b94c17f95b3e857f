import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { resolveFfmpegPath } from '../../src/providers/sandbox/ffmpeg-path.js';

const imageCache = new Map<string, Promise<Buffer>>();

/** A real PNG (or JPEG/WebP) of the given size, as an upstream would return it; made once per shape. */
export function fakeImage(
  width: number,
  height: number,
  format: 'png' | 'jpeg' | 'webp' = 'png',
  color = '#cc5533',
): Promise<Buffer> {
  const key = `${width}x${height}:${format}:${color}`;
  let image = imageCache.get(key);
  if (!image) {
    image = sharp({ create: { width, height, channels: 3, background: color } })
      .toFormat(format)
      .toBuffer();
    imageCache.set(key, image);
  }
  return image;
}

const videoCache = new Map<string, Promise<Buffer>>();

/** A real H.264 MP4 of exactly `seconds`, made once per size and duration and shared by the fakes. */
export function fakeVideo(seconds: number, width = 320, height = 180): Promise<Buffer> {
  const key = `${seconds}:${width}x${height}`;
  let video = videoCache.get(key);
  if (!video) {
    video = renderTestVideo(seconds, width, height);
    videoCache.set(key, video);
  }
  return video;
}

async function renderTestVideo(seconds: number, width: number, height: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-video-'));
  const out = join(dir, 'v.mp4');
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${width}x${height}:rate=24`,
    '-frames:v',
    String(seconds * 24),
    '-r',
    '24',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    out,
  ];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(resolveFfmpegPath(), args, { stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}`))));
    });
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
