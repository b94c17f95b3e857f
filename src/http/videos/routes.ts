import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { GatewayServices } from '../services.js';
import { videoCreateRoutes, type VideoRouteDeps } from './create-routes.js';
import { videoReadRoutes } from './read-routes.js';
import type { VideoThumbnails } from './thumbnails.js';

/** OpenAI's Videos API over the job engine; multipart forms are accepted in this scope only. */
export async function videoRoutes(
  app: FastifyInstance,
  services: GatewayServices,
  deps: VideoRouteDeps & { thumbnails: VideoThumbnails },
): Promise<void> {
  await app.register(multipart);
  await videoCreateRoutes(app, services, deps);
  await videoReadRoutes(app, services, deps);
}
