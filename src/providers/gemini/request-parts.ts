/** Pieces both flows (images and Veo) put into their requests. */

/** A reference image read from storage, to be sent base64-encoded. */
export interface InlineImage {
  data: Buffer;
  contentType: string;
}

/** The model path segment: a mapping written as `models/gemini-…` works as well as the bare id. */
export const modelPath = (model: string) => `models/${model.replace(/^models\//, '')}`;
