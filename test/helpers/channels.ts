import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';

/** Writes a YAML config holding these channels and returns the env that points the gateway at it. */
export async function channelsConfig(
  channels: Record<string, unknown>[],
  extra: Record<string, unknown> = {},
): Promise<Record<string, string>> {
  const path = join(tmpdir(), `mediagate-channels-${randomBytes(4).toString('hex')}.yaml`);
  await writeFile(path, stringify({ channels, ...extra }));
  return { MEDIAGATE_CONFIG: path };
}

/** Fast retry settings so fault tests do not wait on real backoffs. */
export const FAST_RETRY_ENV = { MEDIAGATE_SUBMIT_BACKOFF_MS: '20' };
