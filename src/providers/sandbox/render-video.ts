import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import type { GenerationRequest } from '../../intent/types.js';
import { renderImage } from './render-image.js';

const FPS = 24;

/**
 * An H.264 MP4 of exactly `seconds` (a fixed frame count at a fixed rate) at the requested size:
 * the prompt card as background, with a marker that sweeps across it so the content moves.
 */
export async function renderVideo(
  req: GenerationRequest,
  reference: Buffer | null,
  outPath: string,
  ffmpegPath: string,
  signal?: AbortSignal,
): Promise<void> {
  const seconds = req.seconds;
  if (!seconds) throw new Error('renderVideo needs a resolved duration');
  const width = req.width - (req.width % 2);
  const height = req.height - (req.height % 2);
  const card = `${outPath}.card.png`;
  await writeFile(card, await renderImage(req, reference, 'png', { width, height }));
  const marker = Math.max(8, Math.round(Math.min(width, height) / 10));
  const frames = seconds * FPS;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-loop',
    '1',
    '-framerate',
    String(FPS),
    '-i',
    card,
    '-f',
    'lavfi',
    '-i',
    `color=c=0xffd23f:s=${marker}x${marker}:r=${FPS}`,
    '-filter_complex',
    `[0:v][1:v]overlay=x='(W-w)*t/${seconds}':y='(H-h)/2+(H/4)*sin(2*PI*t/${Math.min(seconds, 2)})':shortest=1,format=yuv420p[v]`,
    '-map',
    '[v]',
    '-frames:v',
    String(frames),
    '-r',
    String(FPS),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '30',
    '-tune',
    'stillimage',
    '-movflags',
    '+faststart',
    outPath,
  ];
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'], signal });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim()}`)),
      );
    });
  } finally {
    await rm(card, { force: true });
  }
}
