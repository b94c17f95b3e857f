/**
 * What one sandbox image costs to render: the first render of the process (which, since the text
 * moved to the packaged font, also registers the font files with fontconfig) and then the mean of
 * ROUNDS renders per case, cases interleaved, in PNG at 1024×1024 and 1280×720 for Chinese,
 * Japanese, Korean and Latin prompts. The render cache is not involved: this is renderImage itself.
 *
 *   npm run bench:sandbox-render          (ROUNDS=20 to change; RENDERER=path/to/render-image.ts
 *                                          measures another copy, e.g. the previous commit's)
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GenerationRequest } from '../src/intent/types.js';
import type { renderImage as RenderImage } from '../src/providers/sandbox/render-image.js';

const rounds = Number(process.env.ROUNDS ?? 20);
const module = process.env.RENDERER
  ? pathToFileURL(resolve(process.env.RENDERER)).href
  : '../src/providers/sandbox/render-image.js';
const { renderImage } = (await import(module)) as { renderImage: typeof RenderImage };

const prompts: Record<string, string> = {
  zh: '一只橘猫坐在月光下的屋顶上，水彩风格，细节丰富，电影感构图',
  ja: '夜の東京を歩く猫、ネオンの光、シネマティックな構図',
  ko: '밤하늘 아래 지붕 위에 앉은 고양이, 수채화 스타일',
  latin: 'A watercolor cat sitting on a moonlit roof, cinematic framing, highly detailed',
};
const sizes = [
  [1024, 1024],
  [1280, 720],
] as const;

const request = (prompt: string, width: number, height: number) =>
  ({
    kind: 'image',
    model: 'gpt-image-1',
    prompt,
    n: 1,
    width,
    height,
    references: [],
  }) as unknown as GenerationRequest;

/** The median: on a busy machine the mean mostly measures the neighbours. */
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

const first = performance.now();
await renderImage(request(prompts.zh, 1024, 1024), null, 'png', { width: 1024, height: 1024 });
const firstMs = performance.now() - first;

const times = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const [script, prompt] of Object.entries(prompts)) {
    for (const [width, height] of sizes) {
      const key = `${script} ${width}x${height}`;
      const started = performance.now();
      // A different seed each round, so nothing below us can serve a repeat from a cache.
      await renderImage({ ...request(prompt, width, height), seed: round }, null, 'png', { width, height });
      times.set(key, [...(times.get(key) ?? []), performance.now() - started]);
    }
  }
}

console.log(`renderer: ${process.env.RENDERER ?? 'this tree'}; first render of the process: ${firstMs.toFixed(1)} ms`);
const all: number[] = [];
for (const [key, list] of times) {
  all.push(...list);
  const mean = list.reduce((a, b) => a + b, 0) / list.length;
  console.log(
    `${key.padEnd(18)} mean ${mean.toFixed(1)} ms  median ${median(list).toFixed(1)} ms  min ${Math.min(...list).toFixed(1)} ms`,
  );
}
console.log(
  `all cases          mean ${(all.reduce((a, b) => a + b, 0) / all.length).toFixed(1)} ms  median ${median(all).toFixed(1)} ms  min ${Math.min(...all).toFixed(1)} ms over ${all.length} renders`,
);
