/** Pieces both flows (images and Veo) put into their requests. */

/** The model path segment: a mapping written as `models/gemini-…` works as well as the bare id. */
export const modelPath = (model: string) => `models/${model.replace(/^models\//, '')}`;
