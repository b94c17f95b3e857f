import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The slice of tfjs-core's `io` namespace used here. */
export interface TfIo {
  registerLoadRouter(router: (url: string | string[]) => { load(): Promise<unknown> } | null): void;
}

interface ModelJson {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: unknown;
  userDefinedMetadata?: unknown;
  modelInitializer?: unknown;
  weightsManifest: { paths: string[]; weights: unknown[] }[];
}

/**
 * Lets tfjs load `file://` model URLs from disk. The WASM build of tfjs has no file system handler
 * and would hand the URL to `fetch`, which cannot read files: weights come from the npm package,
 * never from the network.
 */
export function registerFileModelLoader(io: TfIo): void {
  io.registerLoadRouter((url) => {
    const first = Array.isArray(url) ? url[0] : url;
    if (typeof first !== 'string' || !first.startsWith('file://')) return null;
    const path = fileURLToPath(first);
    return {
      async load() {
        const json = JSON.parse(await readFile(path, 'utf8')) as ModelJson;
        const shards: Buffer[] = [];
        for (const group of json.weightsManifest)
          for (const shard of group.paths) shards.push(await readFile(join(dirname(path), shard)));
        const weights = Buffer.concat(shards);
        return {
          modelTopology: json.modelTopology,
          format: json.format,
          generatedBy: json.generatedBy,
          convertedBy: json.convertedBy,
          signature: json.signature,
          userDefinedMetadata: json.userDefinedMetadata,
          modelInitializer: json.modelInitializer,
          weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
          weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
        };
      },
    };
  });
}
