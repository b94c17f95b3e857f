import { CATALOG } from './models.js';
import type { ModelSpec } from './types.js';

export type * from './types.js';

const byId = new Map(CATALOG.map((spec) => [spec.id.toLowerCase(), spec]));

export function findModel(id: string): ModelSpec | undefined {
  return byId.get(id.trim().toLowerCase());
}

export function listModels(): readonly ModelSpec[] {
  return CATALOG;
}
