import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { validatorCompiler } from '../validation.js';
import { openApiOptions } from './document.js';

/*
 * Response schemas document; they do not serialize. Serializing through zod would reorder keys
 * (and drop those a strict schema does not name), so clients would see other bytes than today,
 * and it would cost an encode of every response on the hot path for nothing a client needs.
 */
const serializerCompiler = () => (data: unknown) => JSON.stringify(data);

/** The package version, read once (src/ and dist/ sit at the same depth below the package root). */
function packageVersion(): string {
  try {
    return (
      (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string })
        .version ?? '0.0.0'
    );
  } catch {
    return '0.0.0';
  }
}

/**
 * Routes declare their schemas in zod: validation with the API's error messages, and the
 * collection of every route for /openapi.json. Call before any route is registered.
 */
export async function registerRouteSchemas(app: FastifyInstance): Promise<void> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(swagger, openApiOptions(packageVersion()));
}
