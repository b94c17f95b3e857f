export { configSchema, type Config } from './schema.js';
export { ConfigError } from './errors.js';
export { loadConfig, publicBaseUrl } from './load.js';
