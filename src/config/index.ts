export { configSchema, type Config } from './schema.js';
export { loadConfig, publicBaseUrl, ConfigError } from './load.js';
