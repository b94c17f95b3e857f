import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import type { DatabaseSchema } from '../db/schema.js';
import type { Metrics } from '../metrics/index.js';
import { resolveFfmpegPath } from '../providers/sandbox/ffmpeg-path.js';
import type { MediaStore } from '../storage/types.js';
import { GatewayModerator } from './gateway-moderator.js';
import { SqlResultReferences } from './result-references.js';
import { allowEverything, type Moderator } from './types.js';

/** The moderator the configuration asks for. Models load lazily: building it costs no inference. */
export function createModerator(
  config: Config,
  deps: { media: MediaStore; db: Kysely<DatabaseSchema>; log: FastifyBaseLogger; metrics?: Metrics },
): Moderator {
  if (!config.moderation.enabled) return allowEverything;
  return new GatewayModerator(config.moderation, {
    media: deps.media,
    log: deps.log,
    ffmpegPath: resolveFfmpegPath(config.ffmpegPath),
    references: new SqlResultReferences(deps.db),
    metrics: deps.metrics,
  });
}
