import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { type CopyReport, copyLocalMedia } from '../../storage/copy-local.js';
import { parseS3Url, S3MediaStore } from '../../storage/s3-store.js';
import { type CommandModule, UsageError } from '../program.js';

function reportText(report: CopyReport, from: string, to: string): string {
  const lines = [
    `Copied ${report.copied} object(s) from ${from} to ${to}; ${report.present} were there already.`,
    ...(report.corrupt.length > 0
      ? [
          `${report.corrupt.length} file(s) not copied: their bytes do not match their names:`,
          ...report.corrupt.map((k) => `  ${k}`),
        ]
      : []),
    ...(report.ignored.length > 0 ? [`${report.ignored.length} file(s) that are not media left alone.`] : []),
    ...(report.failed.length > 0
      ? [
          `${report.failed.length} failed (run the command again to retry them):`,
          ...report.failed.map((f) => `  ${f.key}: ${f.message}`),
        ]
      : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** `storage copy-local`: moves a single machine's media into the bucket the gateway is configured with. */
export const storageCommand: CommandModule = (program, _run, runOnConfig) => {
  const storage = program.command('storage').description('media storage: moving local media into a bucket');

  storage
    .command('copy-local')
    .description(
      "copy a local data dir's media/ into the bucket named by MEDIAGATE_STORAGE (s3://bucket/prefix) under the same " +
        'keys, so old links keep working; objects already there are skipped, so it can be run again to resume',
    )
    .option('--data-dir <dir>', 'the data dir whose media/ to copy (default: MEDIAGATE_DATA_DIR, as the gateway)')
    .option('--concurrency <n>', 'uploads at once (default 8)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('Give a whole number from 1 to 64.');
      return n;
    })
    .action((options: { dataDir?: string; concurrency?: number }, command: Command) =>
      runOnConfig(command, async (ctx) => {
        const url = ctx.config.storage.url;
        if (!url)
          throw new UsageError(
            'Set MEDIAGATE_STORAGE=s3://bucket/prefix (and the AWS_* variables) to the bucket to copy into.',
          );
        const mediaDir = join(resolve(options.dataDir ?? ctx.config.dataDir), 'media');
        if (!existsSync(mediaDir)) throw new UsageError(`There is no media directory at ${mediaDir}.`);
        const store = new S3MediaStore(parseS3Url(url), { forcePathStyle: ctx.config.storage.forcePathStyle });
        try {
          await store.check().catch((err: Error) => {
            throw new Error(`Cannot reach the bucket of ${url}: ${err.name}: ${err.message}`);
          });
          const report = await copyLocalMedia(mediaDir, store, { concurrency: options.concurrency ?? 8 });
          ctx.print(
            report,
            (r) => ({ from: mediaDir, to: url, ...r }),
            (r) => reportText(r, mediaDir, url),
          );
          if (report.failed.length > 0) throw new Error(`${report.failed.length} object(s) could not be copied.`);
        } finally {
          store.close();
        }
      }),
    );
};
