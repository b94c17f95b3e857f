export { SandboxProvider, type SandboxOptions } from './sandbox-provider.js';
export { renderImage, wrapText } from './render-image.js';
export { renderVideo } from './render-video.js';
export { resolveFfmpegPath } from './ffmpeg-path.js';
