/**
 * Moderation evaluation: precision/recall of stage 1 (realistic person in a reference image) and
 * stage 3 (NSFW classifier on results) on a labelled set the repository can ship, the decision for
 * every prompt of the stage-2 table, and per-image latency of both models on one core (one worker
 * thread; the tfjs WASM backend runs single-threaded in Node).
 *
 *   npm run bench:moderation
 *   MODERATION_EVAL_DIR=/path npm run bench:moderation   # also: your own labelled images, in
 *       subfolders person/ and no-person/ (stage 1) and explicit/ and safe/ (stage 3)
 *
 * The labelled set is built at run time (test/fixtures/moderation/labelled-set.ts): SVG drawings,
 * and crops of the sample pictures shipped inside the @vladmandic/human package.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OUTPUT_THRESHOLDS, OUTPUT_CLASSES } from '../src/moderation/defaults.js';
import { moderationSchema } from '../src/moderation/config-schema.js';
import { PromptPolicy } from '../src/moderation/prompt/prompt-policy.js';
import { loadTerms } from '../src/moderation/prompt/term-files.js';
import type { FacesResult, NsfwScores } from '../src/moderation/vision/protocol.js';
import { maxScores, VisionService } from '../src/moderation/vision/vision-service.js';
import { resolveFfmpegPath } from '../src/providers/sandbox/ffmpeg-path.js';
import { labelledSet, type LabelledImage } from '../test/fixtures/moderation/labelled-set.js';
import { percentile } from './server.js';

const defaults = moderationSchema.parse({});
const { minFaceScore, maxFlatness } = defaults.inputImages;
const ffmpegPath = resolveFfmpegPath();

const keyOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : 'n/a');
const ms = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(0)} ms, p95 ${percentile(sorted, 95).toFixed(0)} ms (n=${sorted.length})`;
};

interface Counts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}
const count = (pairs: { truth: boolean; flagged: boolean }[]): Counts => ({
  tp: pairs.filter((p) => p.truth && p.flagged).length,
  fp: pairs.filter((p) => !p.truth && p.flagged).length,
  fn: pairs.filter((p) => p.truth && !p.flagged).length,
  tn: pairs.filter((p) => !p.truth && !p.flagged).length,
});
const summary = (c: Counts) =>
  `precision ${pct(c.tp / (c.tp + c.fp))}, recall ${pct(c.tp / (c.tp + c.fn))} (TP ${c.tp}, FP ${c.fp}, FN ${c.fn}, TN ${c.tn})`;

const isRealPerson = (result: FacesResult, flatnessLimit = maxFlatness) =>
  result.faces.some((f) => f.score >= minFaceScore && f.flatness <= flatnessLimit);
const overThreshold = (scores: NsfwScores) =>
  OUTPUT_CLASSES.some(
    (c) => DEFAULT_OUTPUT_THRESHOLDS[c] !== null && scores[c] >= (DEFAULT_OUTPUT_THRESHOLDS[c] as number),
  );

/** Labelled images from MODERATION_EVAL_DIR, when given. */
function operatorImages(): { stage1: LabelledImage[]; stage3: LabelledImage[] } {
  const dir = process.env.MODERATION_EVAL_DIR;
  const read = (sub: string, realPerson: boolean, explicit: boolean): LabelledImage[] => {
    const path = dir ? join(dir, sub) : '';
    if (!dir || !existsSync(path)) return [];
    return readdirSync(path)
      .filter((f) => /\.(png|jpe?g|webp|gif)$/i.test(f))
      .map((f) => ({
        name: f,
        group: `${sub} (yours)`,
        realPerson,
        explicit,
        source: 'synthetic' as const,
        bytes: readFileSync(join(path, f)),
      }));
  };
  return {
    stage1: [...read('person', true, false), ...read('no-person', false, false)],
    stage3: [...read('explicit', false, true), ...read('safe', false, false)],
  };
}

async function stage1(vision: VisionService, images: LabelledImage[]) {
  console.log('## Stage 1 — realistic person in a reference image\n');
  const load = await vision.load('faces');
  const results: { image: LabelledImage; result: FacesResult }[] = [];
  for (const image of images)
    results.push({ image, result: await vision.findFaces(keyOf(image.bytes), async () => image.bytes) });
  const flagged = (r: FacesResult) => isRealPerson(r);
  const withFilter = count(results.map(({ image, result }) => ({ truth: image.realPerson, flagged: flagged(result) })));
  const detectorOnly = count(
    results.map(({ image, result }) => ({ truth: image.realPerson, flagged: isRealPerson(result, 1) })),
  );
  console.log(
    `Rule: a face with detector score ≥ ${minFaceScore} and flatness ≤ ${maxFlatness} is a realistic person.\n`,
  );
  console.log(`- With the flatness rule (the default): ${summary(withFilter)}`);
  console.log(`- Face detector alone (no flatness rule): ${summary(detectorOnly)}`);
  console.log(
    `- Model load: ${load.ms.toFixed(0)} ms in the worker; per image: ${ms(results.map((r) => r.result.ms))}\n`,
  );
  console.log(
    '| group | truth | images | flagged as real person | faces found (any score) | flatness of best face (min–max) |',
  );
  console.log('|---|---|---:|---:|---:|---|');
  const groups = [...new Set(results.map((r) => r.image.group))];
  for (const group of groups) {
    const members = results.filter((r) => r.image.group === group);
    const flat = members.flatMap((r) =>
      r.result.faces.length ? [r.result.faces.reduce((a, b) => (b.score > a.score ? b : a)).flatness] : [],
    );
    console.log(
      `| ${group} | ${members[0].image.realPerson ? 'person' : 'no person'} | ${members.length} | ${members.filter((r) => flagged(r.result)).length} | ${members.filter((r) => r.result.faces.some((f) => f.score >= minFaceScore)).length} | ${flat.length ? `${Math.min(...flat).toFixed(2)}–${Math.max(...flat).toFixed(2)}` : '–'} |`,
    );
  }
  const wrong = results.filter((r) => flagged(r.result) !== r.image.realPerson);
  if (wrong.length) {
    console.log('\nMisclassified:');
    for (const { image, result } of wrong)
      console.log(
        `- ${image.name} (${image.group}): faces ${JSON.stringify(result.faces.map((f) => ({ score: f.score, flatness: f.flatness })))}`,
      );
  }
  console.log();
}

async function stage3(vision: VisionService, images: LabelledImage[]) {
  console.log('## Stage 3 — NSFW classifier on generated results\n');
  const load = await vision.load('nsfw');
  const results: { image: LabelledImage; scores: NsfwScores; ms: number }[] = [];
  for (const image of images) {
    const verdict = await vision.classifyImage(keyOf(image.bytes), async () => image.bytes);
    results.push({ image, scores: verdict.frames[0], ms: verdict.ms });
  }
  const counts = count(results.map((r) => ({ truth: r.image.explicit, flagged: overThreshold(r.scores) })));
  const thresholds = OUTPUT_CLASSES.filter((c) => DEFAULT_OUTPUT_THRESHOLDS[c] !== null).map(
    (c) => `${c} ≥ ${DEFAULT_OUTPUT_THRESHOLDS[c]}`,
  );
  console.log(`Default thresholds: ${thresholds.join(', ')}.`);
  console.log(`- ${summary(counts)}`);
  if (counts.tp + counts.fn === 0) {
    console.log(
      '- No sexually explicit sample ships with any installed package, so recall cannot be measured here; the',
    );
    console.log('  figure that can be measured is the false-positive rate on benign images (FP / all). Put your own');
    console.log('  labelled images in MODERATION_EVAL_DIR/explicit and /safe to measure recall.');
  }
  console.log(`- False-positive rate: ${pct(counts.fp / (counts.fp + counts.tn))}`);
  console.log(`- Model load: ${load.ms.toFixed(0)} ms in the worker; per image: ${ms(results.map((r) => r.ms))}`);
  for (const c of ['porn', 'hentai', 'sexy', 'drawing'] as const) {
    const values = results.map((r) => r.scores[c]).sort((a, b) => a - b);
    console.log(
      `- ${c} score over the benign set: p50 ${percentile(values, 50).toFixed(3)}, p95 ${percentile(values, 95).toFixed(3)}, max ${values[values.length - 1].toFixed(3)}`,
    );
  }
  const top = [...results].sort((a, b) => b.scores.sexy + b.scores.porn - (a.scores.sexy + a.scores.porn)).slice(0, 3);
  console.log(
    `- Highest porn+sexy: ${top.map((r) => `${r.image.name} (porn ${r.scores.porn.toFixed(2)}, sexy ${r.scores.sexy.toFixed(2)})`).join('; ')}`,
  );

  // Videos: frames sampled with ffmpeg, each classified.
  const dir = mkdtempSync(join(tmpdir(), 'mediagate-eval-'));
  try {
    const timings: number[] = [];
    for (const [i, seconds] of [3, 5, 8].entries()) {
      const path = join(dir, `v${i}.mp4`);
      execFileSync(ffmpegPath, [
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        `testsrc2=duration=${seconds}:size=1280x720:rate=24`,
        '-pix_fmt',
        'yuv420p',
        '-g',
        '48',
        '-y',
        path,
      ]);
      const verdict = await vision.classifyVideo(
        `video-${i}`,
        (use) => use(path),
        defaults.output.videoFrames,
        seconds,
      );
      timings.push(verdict.ms);
      if (overThreshold(maxScores(verdict.frames))) console.log(`- test video ${i} was flagged (false positive)`);
    }
    console.log(
      `- Per video (${defaults.output.videoFrames} frames sampled by ffmpeg from 1280x720 H.264 with a keyframe every 2 s, then classified): ${ms(timings)}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function stage2() {
  console.log('## Stage 2 — prompt policy (default actions, built-in English and Chinese terms)\n');
  const policy = new PromptPolicy({ actions: {}, terms: loadTerms([], false) });
  const rows = JSON.parse(
    readFileSync(new URL('../test/fixtures/moderation/prompts.json', import.meta.url), 'utf8'),
  ) as { prompt: string; expect: string; category?: string; note?: string }[];
  console.log('| # | prompt | expected | decision | ok | note |');
  console.log('|---:|---|---|---|:-:|---|');
  let right = 0;
  const started = performance.now();
  for (const [i, row] of rows.entries()) {
    const d = policy.evaluateLocal(row.prompt);
    const decision = d.block
      ? `block: ${d.block.category}`
      : d.warnings.length
        ? `warn: ${d.warnings[0].category}`
        : 'allow';
    const expected = row.category ? `${row.expect}: ${row.category}` : row.expect;
    const ok = decision === expected;
    if (ok) right++;
    console.log(
      `| ${i + 1} | ${row.prompt.replace(/\|/g, '\\|')} | ${expected} | ${decision} | ${ok ? '✓' : '✗'} | ${row.note ?? ''} |`,
    );
  }
  const elapsed = performance.now() - started;
  const long = 'a calm lake at sunrise with mountains and pine trees, '.repeat(40);
  const t = performance.now();
  for (let i = 0; i < 200; i++) policy.evaluateLocal(long);
  console.log(
    `\n${right}/${rows.length} decisions as expected. Local check: ${((elapsed / rows.length) * 1000).toFixed(0)} µs per table prompt, ${(((performance.now() - t) / 200) * 1000).toFixed(0)} µs for a ${long.length}-character prompt.\n`,
  );
}

const vision = new VisionService({
  threads: 1,
  timeoutMs: 120_000,
  cacheEntries: 0,
  maxPixels: defaults.maxPixels,
  ffmpegPath,
});
try {
  const images = await labelledSet();
  const extra = operatorImages();
  const people = images.filter((i) => i.realPerson).length;
  console.log(
    `# Moderation evaluation\n\nLabelled set: ${images.length} images (${people} with a photographed person, ${images.length - people} without), ${extra.stage1.length + extra.stage3.length} of your own.`,
  );
  console.log(
    `Machine: ${process.arch}, load average ${loadavg()[0].toFixed(1)} at the start (latencies are wall-clock; on a busy machine they include waiting for a core).\n`,
  );
  stage2();
  await stage1(vision, [...images, ...extra.stage1]);
  await stage3(vision, [...images, ...extra.stage3]);
} finally {
  await vision.close();
  console.log(`Load average at the end: ${loadavg()[0].toFixed(1)}.`);
}
