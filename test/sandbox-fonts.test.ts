import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRequest } from '../src/intent/types.js';
import { renderImage } from '../src/providers/sandbox/render-image.js';
import { databaseLabel, testDatabaseOptions } from './helpers/database.js';
import { TEST_API_KEY } from './helpers/gateway.js';
import type { ChildRenders } from './helpers/render-in-child.js';
import { killHard, spawnServer, type ServerProcess } from './helpers/server-process.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const WIDTH = 384;
const HEIGHT = 256;

/** Strings of one horizontal stroke: a glyph is a thin bar, a missing-glyph box is about square. */
const BARS = ['一', 'ー', 'ㅡ', '—'];
/** Four Hangul syllables, measured as a text layer. */
const KOREAN = '가나다라';
const PROMPTS = [
  '一只猫在月光下',
  '两只狗在雪地里',
  'ねこがすき',
  'いぬがすき',
  '고양이 한 마리',
  '강아지 두 마리',
  'A cat at night',
  'A dog at noon',
];

/** A fontconfig configuration with no font directories: only the packaged font files can draw text. */
async function writeEmptyFontConfig(dir: string): Promise<string> {
  const config = join(dir, 'fonts.conf');
  await writeFile(
    config,
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig><cachedir>${join(dir, 'fontconfig-cache')}</cachedir></fontconfig>\n`,
  );
  return config;
}

/**
 * Renders in a process of its own (`render-in-child.ts`), since fontconfig reads its configuration
 * once per process.
 */
async function renderInChild(
  fontConfig: string,
  args: { bars: string[]; prompts: string[]; width: number; height: number },
): Promise<ChildRenders> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'test/helpers/render-in-child.ts', JSON.stringify(args)],
    {
      cwd: repoRoot,
      env: { ...process.env, FONTCONFIG_FILE: fontConfig, FONTCONFIG_PATH: dirname(fontConfig) },
      maxBuffer: 64 << 20,
    },
  );
  return JSON.parse(stdout) as ChildRenders;
}

/** Pixels that differ between two WIDTH×HEIGHT PNGs within a horizontal band. */
async function differingPixels(a: string, b: string, band: { top: number; height: number }): Promise<number> {
  const raw = async (png: string) =>
    sharp(Buffer.from(png, 'base64'))
      .extract({ left: 0, top: band.top, width: WIDTH, height: band.height })
      .removeAlpha()
      .raw()
      .toBuffer();
  const [x, y] = await Promise.all([raw(a), raw(b)]);
  let count = 0;
  for (let i = 0; i < x.length; i += 3) if (x[i] !== y[i] || x[i + 1] !== y[i + 1] || x[i + 2] !== y[i + 2]) count++;
  return count;
}

/** The prompt's band of a WIDTH×HEIGHT render (below it only the caption is drawn). */
const PROMPT_BAND = { top: 0, height: Math.round(HEIGHT * 0.6) };

describe('sandbox text on a machine with no fonts', () => {
  let dir: string;
  let renders: ChildRenders;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mediagate-fonts-'));
    renders = await renderInChild(await writeEmptyFontConfig(dir), {
      bars: [...BARS, KOREAN],
      prompts: PROMPTS,
      width: WIDTH,
      height: HEIGHT,
    });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('draws a one-stroke character of each script as a bar (a glyph), where fontconfig alone draws a box', () => {
    for (const bar of BARS) {
      const glyph = renders.layers[bar];
      expect(glyph.width / glyph.height, `${bar} with the packaged font`).toBeGreaterThan(3);
      const box = renders.withheldLayers[bar];
      expect(box.width / box.height, `${bar} with no font`).toBeLessThan(1.5);
    }
  });

  it('renders Chinese, Japanese, Korean and Latin prompts differently from the same render with the font withheld', async () => {
    for (const prompt of PROMPTS) {
      const changed = await differingPixels(renders.images[prompt], renders.withheldImages[prompt], PROMPT_BAND);
      expect(changed, prompt).toBeGreaterThan(500);
    }
    // And the caption below (Latin), drawn with the same fonts.
    const captionBand = { top: PROMPT_BAND.height, height: HEIGHT - PROMPT_BAND.height };
    expect(
      await differingPixels(renders.images[PROMPTS[0]], renders.withheldImages[PROMPTS[0]], captionBand),
    ).toBeGreaterThan(200);
  });

  it('keeps the requested size and format and renders the same prompt byte for byte the same', async () => {
    for (const prompt of PROMPTS) {
      const meta = await sharp(Buffer.from(renders.images[prompt], 'base64')).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', WIDTH, HEIGHT]);
    }
    expect(renders.again).toBe(renders.images[PROMPTS[0]]);
  });

  it('draws Korean syllables, which Noto Sans SC lacks, as whole square glyphs of Noto Sans KR', () => {
    // Four syllables at 48 px: four glyphs about an em wide and an em tall, in one line.
    const { width, height } = renders.layers[KOREAN];
    expect(width).toBeGreaterThan(3.2 * 48);
    expect(width).toBeLessThan(4.2 * 48);
    expect(height).toBeGreaterThan(0.7 * 48);
    expect(height).toBeLessThan(1.2 * 48);
    expect(renders.layers[KOREAN]).not.toEqual(renders.withheldLayers[KOREAN]);
  });
});

describe('sandbox text that Pango cannot draw as given', () => {
  it('renders a prompt of invisible characters, and one unbroken 5,000-letter word, at the requested size', async () => {
    for (const prompt of ['\u200b', 'x'.repeat(5000)]) {
      const request = { kind: 'image', model: 'gpt-image-1', prompt, n: 1, width: 64, height: 48, references: [] };
      const png = await renderImage(request as unknown as GenerationRequest, null, 'png', { width: 64, height: 48 });
      const meta = await sharp(png).metadata();
      expect([meta.format, meta.width, meta.height], JSON.stringify(prompt.slice(0, 8))).toEqual(['png', 64, 48]);
    }
  });
});

describe(`the gateway process draws sandbox text with no system fonts (${databaseLabel})`, () => {
  let dir = '';
  let server: ServerProcess | undefined;
  afterAll(async () => {
    if (server) await killHard(server);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves for a Chinese prompt exactly the packaged-font render', async () => {
    dir = await mkdtemp(join(tmpdir(), 'mediagate-fonts-gateway-'));
    const db = await testDatabaseOptions(dir);
    const fontConfig = await writeEmptyFontConfig(dir);
    const prompt = '一只猫在月光下';
    const expected = await renderInChild(fontConfig, { bars: [], prompts: [prompt], width: 1024, height: 1024 });
    server = await spawnServer({
      PORT: '0',
      HOST: '127.0.0.1',
      MEDIAGATE_DATA_DIR: dir,
      MEDIAGATE_API_KEYS: TEST_API_KEY,
      MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS: '0',
      MEDIAGATE_MODERATION: 'false',
      FONTCONFIG_FILE: fontConfig,
      FONTCONFIG_PATH: dir,
      ...(db.url ? { DATABASE_URL: db.url } : {}),
      ...(db.schema ? { DATABASE_SCHEMA: db.schema } : {}),
    });
    const response = await fetch(`${server.baseUrl}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-1', prompt, size: '1024x1024', response_format: 'b64_json' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { b64_json: string }[] };
    expect(body.data[0].b64_json).toBe(expected.images[prompt]);
  });
});
