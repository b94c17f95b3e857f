import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalMediaStore } from '../src/storage/index.js';
import { databaseLabel } from './helpers/database.js';
import { download, startGateway } from './helpers/gateway.js';
import { runCli } from './helpers/cli.js';
import { type RunningS3, startS3 } from './helpers/s3.js';

const png = (background: string) =>
  sharp({ create: { width: 64, height: 48, channels: 3, background } })
    .png()
    .toBuffer();

describe(`mediagate storage copy-local (${databaseLabel}, s3rver)`, { timeout: 120_000 }, () => {
  let s3: RunningS3;
  let oldDataDir: string;
  let newDataDir: string;
  beforeAll(async () => {
    s3 = await startS3();
    oldDataDir = await mkdtemp(join(tmpdir(), 'mediagate-old-'));
    newDataDir = await mkdtemp(join(tmpdir(), 'mediagate-new-'));
  });
  afterAll(async () => {
    await s3?.close();
    for (const dir of [oldDataDir, newDataDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('copies every media file under its key, skips what is there on a second run, and old links work from the bucket', async () => {
    const local = new LocalMediaStore(join(oldDataDir, 'media'));
    const red = await local.put(await png('#c00'), 'image/png');
    const blue = await local.put(await png('#00c'), 'image/png');
    // A file whose bytes no longer match its name, and a temp file an interrupted write left behind.
    const damaged = await local.put(await png('#0c0'), 'image/png');
    await writeFile(join(oldDataDir, 'media', damaged.key), 'not the original bytes');
    await writeFile(join(oldDataDir, 'media', red.key.slice(0, 2), '.tmp-0123456789abcdef'), 'partial');

    const env = {
      ...s3.awsEnv,
      MEDIAGATE_STORAGE: `s3://${s3.bucket}/moved`,
      MEDIAGATE_S3_FORCE_PATH_STYLE: '1',
      MEDIAGATE_DATA_DIR: newDataDir,
    };
    const first = await runCli(env, 'storage', 'copy-local', '--data-dir', oldDataDir, '--json');
    expect(first.stderr).not.toContain('error');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      from: join(oldDataDir, 'media'),
      to: `s3://${s3.bucket}/moved`,
      copied: 2,
      present: 0,
      corrupt: [damaged.key],
      ignored: [`${red.key.slice(0, 2)}/.tmp-0123456789abcdef`],
      failed: [],
    });

    const again = await runCli(env, 'storage', 'copy-local', '--data-dir', oldDataDir);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Copied 0 object(s)');
    expect(again.stdout).toContain('2 were there already');
    expect(again.stdout).toContain(damaged.key);

    const gw = await startGateway({ MEDIAGATE_STORAGE: `s3://${s3.bucket}/moved`, MEDIAGATE_S3_FORCE_PATH_STYLE: '1' });
    try {
      for (const stored of [red, blue])
        expect((await download(`${gw.baseUrl}/media/${stored.key}`)).equals(await local.read(stored.key))).toBe(true);
      expect((await fetch(`${gw.baseUrl}/media/${damaged.key}`)).status).toBe(404);
    } finally {
      await gw.close();
    }
  });

  it('refuses without a bucket configured, with a usage error (exit 2)', async () => {
    const result = await runCli({ MEDIAGATE_DATA_DIR: newDataDir, MEDIAGATE_STORAGE: '' }, 'storage', 'copy-local');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Set MEDIAGATE_STORAGE=s3://bucket/prefix');
  });
});
