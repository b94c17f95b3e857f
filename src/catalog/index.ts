import { CATALOG } from './models.js';
import type { ModelSpec } from './types.js';

export type * from './types.js';

const byId = new Map(CATALOG.map((spec) => [spec.id.toLowerCase(), spec]));

export function findModel(id: string): ModelSpec | undefined {
  return byId.get(id.trim().toLowerCase());
}

/** The catalog's spelling of a model name (`GPT-Image-1` → `gpt-image-1`); unknown names as given. */
export const catalogName = (model: string): string => findModel(model)?.id ?? model;

export function listModels(): readonly ModelSpec[] {
  return CATALOG;
}
