import { ConfigError } from './errors.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { withLimitsFromEnv } from './channel-limits-env.js';
import { channelsFromEnv } from './channels-from-env.js';
import { configSchema, type Config } from './schema.js';
import { MODERATION_ENV_BINDINGS } from '../moderation/config-env.js';

type Env = Record<string, string | undefined>;

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const int = (value: string) => Number.parseInt(value, 10);

/** Environment variable → where it lands in the config, and how its text is read. */
const ENV_BINDINGS: [string, string[], (v: string) => unknown][] = [
  ['PORT', ['port'], int],
  ['HOST', ['host'], String],
  ['PUBLIC_BASE_URL', ['publicBaseUrl'], String],
  ['MEDIAGATE_DATA_DIR', ['dataDir'], String],
  ['MEDIAGATE_STORAGE', ['storage', 'url'], String],
  [
    'MEDIAGATE_S3_FORCE_PATH_STYLE',
    ['storage', 'forcePathStyle'],
    (v) => ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase()),
  ],
  ['MEDIAGATE_MEDIA_LINKS', ['storage', 'mediaLinks'], String],
  ['DATABASE_URL', ['databaseUrl'], String],
  ['DATABASE_SCHEMA', ['databaseSchema'], String],
  ['MEDIAGATE_API_KEYS', ['apiKeys'], list],
  ['MEDIAGATE_ADMIN_KEYS', ['adminKeys'], list],
  ['MEDIAGATE_UNPRICED_MODELS', ['billing', 'unpricedModels'], String],
  ['MEDIAGATE_BILLING', ['billing', 'enabled'], (v) => !['off', 'false', '0', 'no'].includes(v.trim().toLowerCase())],
  ['MEDIAGATE_METRICS_PORT', ['metrics', 'port'], int],
  ['MEDIAGATE_METRICS_HOST', ['metrics', 'host'], String],
  ['LOG_LEVEL', ['logLevel'], String],
  ['MEDIAGATE_BODY_LIMIT_BYTES', ['bodyLimitBytes'], int],
  ['MEDIAGATE_HEADERS_TIMEOUT_MS', ['headersTimeoutMs'], int],
  ['MEDIAGATE_REQUEST_TIMEOUT_MS', ['requestTimeoutMs'], int],
  ['MEDIAGATE_FETCH_ALLOWLIST', ['references', 'allowlist'], list],
  ['MEDIAGATE_REFERENCE_MAX_BYTES', ['references', 'maxBytes'], int],
  ['MEDIAGATE_REFERENCE_MAX_PIXELS', ['references', 'maxPixels'], int],
  ['MEDIAGATE_SANDBOX_IMAGE_LATENCY_MS', ['sandbox', 'imageLatencyMs'], int],
  ['MEDIAGATE_SANDBOX_VIDEO_LATENCY_MS', ['sandbox', 'videoLatencyMs'], int],
  ['MEDIAGATE_SANDBOX_POLL_MS', ['sandbox', 'pollMs'], int],
  ['MEDIAGATE_LEASE_MS', ['jobs', 'leaseMs'], int],
  ['MEDIAGATE_PROGRESS_WRITE_INTERVAL_MS', ['jobs', 'progressWriteIntervalMs'], int],
  ['MEDIAGATE_ORPHAN_SCAN_INTERVAL_MS', ['jobs', 'orphanScanIntervalMs'], int],
  ['MEDIAGATE_TAKEOVER_SCAN_MS', ['jobs', 'takeoverScanMs'], int],
  ['MEDIAGATE_INSTANCE_ID', ['instanceId'], String],
  ['MEDIAGATE_JOB_TIMEOUT_MS', ['jobs', 'timeoutMs'], int],
  ['MEDIAGATE_KEEPALIVE_MS', ['keepAliveMs'], int],
  ['MEDIAGATE_SHUTDOWN_GRACE_MS', ['shutdownGraceMs'], int],
  ['FFMPEG_PATH', ['ffmpegPath'], String],
  ...MODERATION_ENV_BINDINGS,
  ['MEDIAGATE_WEBHOOK_SECRET', ['webhooks', 'secret'], String],
  ['MEDIAGATE_WEBHOOK_DEFAULT_URL', ['webhooks', 'defaultUrl'], String],
  ['MEDIAGATE_WEBHOOK_TIMEOUT_MS', ['webhooks', 'timeoutMs'], int],
  ['MEDIAGATE_WEBHOOK_MAX_ATTEMPTS', ['webhooks', 'maxAttempts'], int],
  ['MEDIAGATE_WEBHOOK_BACKOFF_MS', ['webhooks', 'initialBackoffMs'], int],
  ['MEDIAGATE_WEBHOOK_MAX_BACKOFF_MS', ['webhooks', 'maxBackoffMs'], int],
  ['MEDIAGATE_WEBHOOK_POLL_MS', ['webhooks', 'pollMs'], int],
  ['MEDIAGATE_SANDBOX_MODE', ['sandbox', 'mode'], String],
  ['MEDIAGATE_SUBMIT_ATTEMPTS', ['jobs', 'submitAttempts'], int],
  ['MEDIAGATE_SUBMIT_BACKOFF_MS', ['jobs', 'submitBackoffMs'], int],
  ['MEDIAGATE_MAX_STATUS_CALLS', ['jobs', 'maxStatusCalls'], int],
  ['MEDIAGATE_POLL_INTERVAL_MS', ['jobs', 'pollIntervalMs'], int],
  ['MEDIAGATE_UPSTREAM_RATE_WINDOW_MS', ['jobs', 'rateWindowMs'], int],
  ['MEDIAGATE_RESULT_MAX_BYTES', ['jobs', 'resultMaxBytes'], int],
  ['MEDIAGATE_RESULT_RETRY_MS', ['jobs', 'resultRetryMs'], int],
  ['MEDIAGATE_RESULT_RETRY_BACKOFF_MS', ['jobs', 'resultRetryBackoffMs'], int],
  ['MEDIAGATE_RETRY_WINDOW_MS', ['jobs', 'retryWindowMs'], int],
  ['MEDIAGATE_FAILURE_REPLAY_MS', ['jobs', 'failureReplayMs'], int],
];

function setPath(target: Record<string, unknown>, path: string[], value: unknown) {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/** Embedded defaults, then the YAML file named by MEDIAGATE_CONFIG, then environment variables. */
export function loadConfig(env: Env = process.env): Config {
  const raw: Record<string, unknown> = {};
  const file = env.MEDIAGATE_CONFIG;
  if (file) {
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`Cannot read MEDIAGATE_CONFIG file ${file}: ${(err as Error).message}`);
    }
    if (parsed !== null && typeof parsed === 'object') Object.assign(raw, parsed);
  }
  for (const [name, path, read] of ENV_BINDINGS) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, path, read(value));
  }
  const yamlChannels = Array.isArray(raw.channels) ? (raw.channels as { name?: unknown }[]) : [];
  const taken = new Set(yamlChannels.map((c) => String(c?.name)));
  raw.channels = withLimitsFromEnv(env, [...yamlChannels, ...channelsFromEnv(env, taken)]);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Links use PUBLIC_BASE_URL, else the bound host (localhost when bound to every interface). */
export function publicBaseUrl(config: Config, boundPort?: number): string {
  const host = ['0.0.0.0', '::', ''].includes(config.host)
    ? 'localhost'
    : config.host.includes(':')
      ? `[${config.host}]`
      : config.host;
  const base = config.publicBaseUrl ?? `http://${host}:${boundPort ?? config.port}`;
  return base.replace(/\/+$/, '');
}
