import { join } from 'node:path';
import { ConfigError } from '../config/errors.js';
import type { Config } from '../config/schema.js';
import { LocalMediaStore } from './local-store.js';
import { parseS3Url, S3MediaStore } from './s3-store.js';
import type { MediaStore } from './types.js';

/** The store the configuration names: a bucket for `storage.url`, else `<dataDir>/media`. */
export function createMediaStore(storage: Config['storage'], dataDir: string): MediaStore {
  if (!storage.url) {
    // Checked here rather than in the schema so the message can say what to set instead.
    if (storage.mediaLinks === 'redirect')
      throw new ConfigError(
        'MEDIAGATE_MEDIA_LINKS=redirect needs a bucket (MEDIAGATE_STORAGE=s3://…); local media is always proxied.',
      );
    return new LocalMediaStore(join(dataDir, 'media'));
  }
  return new S3MediaStore(parseS3Url(storage.url), { forcePathStyle: storage.forcePathStyle });
}
