import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface RunningS3 {
  bucket: string;
  prefix: string;
  endpoint: string;
  /** The SDK's variables: also set on this process while the server runs, for gateways started in-process. */
  awsEnv: Record<string, string>;
  /** What a gateway needs to store its media here (plus `awsEnv` for a child process). */
  env: Record<string, string>;
  client: S3Client;
  /** Object names under the prefix, without it, sorted. */
  keys(): Promise<string[]>;
  /** An object's bytes as the bucket holds them. */
  object(key: string): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * A real S3-compatible server (s3rver) on 127.0.0.1 with a fresh bucket in a temp dir. The AWS SDK reads
 * its credentials, region and endpoint from the environment, so this sets them on `process.env`
 * (each vitest file runs in its own process) and restores them on close.
 */
export async function startS3(): Promise<RunningS3> {
  const directory = await mkdtemp(join(tmpdir(), 'mediagate-s3-'));
  const bucket = `media-${randomBytes(4).toString('hex')}`;
  const prefix = 'gateway/media';
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const awsEnv = {
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: endpoint,
  };
  const saved = Object.fromEntries(Object.keys(awsEnv).map((name) => [name, process.env[name]]));
  Object.assign(process.env, awsEnv);
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    bucket,
    prefix,
    endpoint,
    awsEnv,
    env: { MEDIAGATE_STORAGE: `s3://${bucket}/${prefix}`, MEDIAGATE_S3_FORCE_PATH_STYLE: '1' },
    client,
    async keys() {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) keys.push(object.Key!.slice(prefix.length + 1));
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    async object(key) {
      const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/${key}` }));
      return Buffer.from(await answer.Body!.transformToByteArray());
    },
    async close() {
      client.destroy();
      await server.close();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}
