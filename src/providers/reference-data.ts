import type { StoredReference } from '../intent/types.js';
import type { ProviderContext } from './types.js';

/** A reference image read back from storage, to be sent upstream. */
export interface ReferenceImage {
  data: Buffer;
  contentType: string;
}

export async function readReference(ctx: ProviderContext, reference: StoredReference): Promise<ReferenceImage> {
  return { data: await ctx.readReference(reference.key), contentType: reference.contentType };
}

/** Every one of `references`, read in order. */
export function readReferences(
  ctx: ProviderContext,
  references: readonly StoredReference[],
): Promise<ReferenceImage[]> {
  return Promise.all(references.map((reference) => readReference(ctx, reference)));
}

/** The first reference (upstreams such as BFL, Kling and Sora take one image), or undefined when there is none. */
export async function readFirstReference(
  ctx: ProviderContext,
  references: readonly StoredReference[],
): Promise<ReferenceImage | undefined> {
  const first = references[0];
  return first ? readReference(ctx, first) : undefined;
}

/** An image as a `data:` URL, which many upstreams take wherever they take a link. */
export const dataUrlOf = (image: ReferenceImage) => `data:${image.contentType};base64,${image.data.toString('base64')}`;

/** A stored reference as a `data:` URL: our references live in local storage, which the upstream cannot reach. */
export async function referenceDataUrl(ctx: ProviderContext, reference: StoredReference): Promise<string> {
  return dataUrlOf(await readReference(ctx, reference));
}
