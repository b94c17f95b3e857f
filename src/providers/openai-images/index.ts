import type { ProtocolEntry } from '../types.js';
import { OpenAiImagesProvider } from './provider.js';

/**
 * `openai-images`: OpenAI's `/v1/images/generations` and `/v1/images/edits`, answered synchronously.
 *
 * Lost submissions: not looked up. The images are the answer; an answer that is lost cannot be asked
 * for again, so the job fails as before (and is never resubmitted).
 */
export const openAiImagesProtocol: ProtocolEntry = {
  defaultBaseUrl: 'https://api.openai.com/v1',
  polls: [], // each image is one call held open
  create: () => new OpenAiImagesProvider(),
};
