import { createRequire } from 'node:module';

/** FFMPEG_PATH when set, else the binary shipped in the @ffmpeg-installer package. */
export function resolveFfmpegPath(configured?: string): string {
  if (configured) return configured;
  if (process.env.FFMPEG_PATH) return process.env.FFMPEG_PATH;
  const require = createRequire(import.meta.url);
  return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}
