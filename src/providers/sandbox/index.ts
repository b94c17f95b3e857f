/**
 * The local sandbox (no upstream). Lost submissions: nothing to look up; its start is idempotent
 * (a render is cached by its inputs), so an interrupted job is simply started again.
 */
export { SandboxProvider, type SandboxOptions } from './sandbox-provider.js';
export { renderImage, wrapText } from './render-image.js';
export { renderVideo } from './render-video.js';
export { resolveFfmpegPath } from './ffmpeg-path.js';
