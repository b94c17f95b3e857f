import { Readable } from 'node:stream';
import type { ProviderOutput } from '../providers/types.js';
import type { MediaStore } from '../storage/types.js';
import type { JobResult } from './types.js';

/** Largest result the gateway will download from an upstream. */
const MAX_RESULT_BYTES = 1024 * 1024 * 1024;

/** Moves each provider output into mediagate's own storage, so links never depend on the upstream. */
export async function persistOutputs(outputs: ProviderOutput[], media: MediaStore): Promise<JobResult[]> {
  const results: JobResult[] = [];
  for (const output of outputs) {
    const stored = await storeOutput(output, media);
    results.push({
      key: stored.key,
      contentType: stored.contentType,
      bytes: stored.bytes,
      ...(output.width !== undefined && { width: output.width }),
      ...(output.height !== undefined && { height: output.height }),
      ...(output.seconds !== undefined && { seconds: output.seconds }),
    });
  }
  return results;
}

async function storeOutput(output: ProviderOutput, media: MediaStore) {
  const { source, contentType } = output;
  switch (source.type) {
    case 'file':
      return media.putFile(source.path, contentType);
    case 'bytes':
      return media.put(source.data, contentType);
    case 'url': {
      // Operator-configured upstream links, not user input: no address policy applies here.
      const response = await fetch(source.url, { headers: source.headers });
      if (!response.ok || !response.body) throw new Error(`Result download failed with HTTP ${response.status}`);
      return media.putStream(Readable.fromWeb(response.body as never), contentType, MAX_RESULT_BYTES);
    }
  }
}
