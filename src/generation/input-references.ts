import type { ModelSpec } from '../catalog/types.js';
import { GenerationError } from '../errors/generation-error.js';
import { checkReferenceCount } from '../intent/index.js';
import { pickHistoryReference, type HistoryImage } from '../intent/history-images.js';
import type { OwnMedia } from '../intent/own-media.js';
import { loadReferences, type ReferenceDeps, type ReferenceInput } from '../intent/references.js';
import type { StoredReference } from '../intent/types.js';

/**
 * This gateway's own media links: the public form (`PUBLIC_BASE_URL`) and the one the request
 * arrived on (its Host), both read from the store rather than fetched.
 */
export function ownMediaOf(mediaUrl: ((key: string) => string) | undefined, requestOrigin?: string): OwnMedia {
  const bases: string[] = [];
  if (mediaUrl) bases.push(mediaUrl(''));
  if (requestOrigin) bases.push(`${requestOrigin.replace(/\/+$/, '')}/media/`);
  return { bases };
}

/** A history image that cannot be used says where it came from and how to do without it. */
function explainHistory(err: unknown): never {
  if (!(err instanceof GenerationError)) throw err;
  throw new GenerationError(
    err.code,
    `${err.message} It is the image from earlier in the conversation, used because the last message has none; send "use_history_image": false to generate without it.`,
    err.param,
    err.retryAdvice,
  );
}

/**
 * The references a request gives, or, for a model that takes one when the last message gives none,
 * the most recent image of the conversation (editing in conversation). Checked against the model's
 * count before anything is fetched; a model that takes none gets none fetched. A history image that
 * can no longer be read (its file expired or was deleted) is dropped for a model that can do without
 * one, and said so (`historyUnavailable`): a chat app cannot send `use_history_image: false`, and a
 * long conversation must not fail on every later turn. A model that needs it gets the 400.
 */
export async function loadInputReferences(
  input: { references: ReferenceInput[]; history?: HistoryImage[] },
  spec: ModelSpec,
  deps: ReferenceDeps & { ownMedia: OwnMedia },
): Promise<{ references: StoredReference[]; given: number; historyUnavailable?: true }> {
  const fromHistory =
    input.references.length === 0 && spec.references !== 'none' && input.history
      ? pickHistoryReference(input.history, deps.ownMedia)
      : undefined;
  const given: ReferenceInput[] = fromHistory ? [fromHistory] : input.references;
  checkReferenceCount(spec, given.length);
  if (spec.references === 'none') return { references: [], given: given.length };
  try {
    return { references: await loadReferences(given, deps), given: given.length };
  } catch (err) {
    if (!fromHistory) throw err;
    if (err instanceof GenerationError && spec.references === 'optional')
      return { references: [], given: 0, historyUnavailable: true };
    explainHistory(err);
  }
}
