import { type ChannelLimitsFromEnv, limitsFromEnv } from './channel-limits-env.js';

type Env = Record<string, string | undefined>;

/** What an environment shortcut turns into: a channel entry as the YAML file would spell it. */
export interface EnvChannel extends ChannelLimitsFromEnv {
  name: string;
  type: string;
  baseUrl?: string;
  keys: string[];
  models: Record<string, string>;
}

/*
 * Default model mappings for each well-known key variable. Public names follow the seed documents;
 * `sora-2`/`sora_video2` are mapped to each video upstream's default model, so a gateway with only,
 * say, GEMINI_API_KEY still serves the seeds' video examples (via Veo). With several video
 * upstreams, they share those names by weight and fail over to each other; a YAML channel with a
 * higher priority takes them over.
 */
const SORA_PUBLIC_NAMES = ['sora-2', 'sora_video2'];
const soraVia = (upstream: string) => Object.fromEntries(SORA_PUBLIC_NAMES.map((name) => [name, upstream]));

interface Shortcut {
  name: string;
  type: string;
  keyVar: string;
  baseUrlVar: string;
  /** Secret made of two variables (Kling signs JWTs with an access key and a secret). */
  secondKeyVar?: string;
  models: (env: Env) => Record<string, string>;
}

const SHORTCUTS: Shortcut[] = [
  {
    name: 'openai',
    type: 'openai-images',
    keyVar: 'OPENAI_API_KEY',
    baseUrlVar: 'OPENAI_BASE_URL',
    models: () => ({
      'gpt-image-1': 'gpt-image-1',
      'gpt-4o-image': 'gpt-image-1',
      sora_image: 'gpt-image-1',
      'dall-e-3': 'dall-e-3',
    }),
  },
  {
    name: 'openai-videos',
    type: 'openai-videos',
    keyVar: 'OPENAI_VIDEOS_API_KEY',
    baseUrlVar: 'OPENAI_VIDEOS_BASE_URL',
    models: (env) => soraVia(env.OPENAI_VIDEOS_MODEL ?? 'sora-2'),
  },
  {
    name: 'gemini',
    type: 'gemini',
    keyVar: 'GEMINI_API_KEY',
    baseUrlVar: 'GEMINI_BASE_URL',
    models: () => ({
      'nano-banana': 'gemini-2.5-flash-image',
      'nano-banana-hd': 'gemini-3-pro-image-preview',
      'veo-3.1': 'veo-3.1-generate-preview',
      'veo-3.1-fast': 'veo-3.1-fast-generate-preview',
      ...soraVia('veo-3.1-fast-generate-preview'),
    }),
  },
  {
    name: 'bfl',
    type: 'bfl',
    keyVar: 'BFL_API_KEY',
    baseUrlVar: 'BFL_BASE_URL',
    models: () => ({
      'flux-kontext-pro': 'flux-kontext-pro',
      'flux-kontext-max': 'flux-kontext-max',
      // BFL's API has no Kontext [dev] endpoint; [pro] is the closest hosted model.
      'flux-kontext-dev': 'flux-kontext-pro',
      flux: 'flux-pro-1.1',
      'flux-pro-1.1': 'flux-pro-1.1',
      'flux-dev': 'flux-dev',
    }),
  },
  {
    name: 'ark',
    type: 'ark',
    keyVar: 'ARK_API_KEY',
    baseUrlVar: 'ARK_BASE_URL',
    models: () => ({
      'doubao-seedream-4-0-250828': 'doubao-seedream-4-0-250828',
      'doubao-seededit-3-0-i2i-250628': 'doubao-seededit-3-0-i2i-250628',
      'doubao-seedream-3-0-t2i-250415': 'doubao-seedream-3-0-t2i-250415',
      'doubao-seedance-1-0-pro': 'doubao-seedance-1-0-pro-250528',
      ...soraVia('doubao-seedance-1-0-pro-250528'),
    }),
  },
  {
    name: 'dashscope',
    type: 'dashscope',
    keyVar: 'DASHSCOPE_API_KEY',
    baseUrlVar: 'DASHSCOPE_BASE_URL',
    models: () => ({
      'qwen-image': 'qwen-image',
      'qwen-image-edit': 'qwen-image-edit',
      'wan2.5': 'wan2.5-t2v-preview',
      ...soraVia('wan2.5-t2v-preview'),
    }),
  },
  {
    name: 'recraft',
    type: 'recraft',
    keyVar: 'RECRAFT_API_KEY',
    baseUrlVar: 'RECRAFT_BASE_URL',
    models: () => ({ recraftv3: 'recraftv3' }),
  },
  {
    name: 'kling',
    type: 'kling',
    keyVar: 'KLING_ACCESS_KEY',
    secondKeyVar: 'KLING_SECRET_KEY',
    baseUrlVar: 'KLING_BASE_URL',
    models: () => ({ 'kling-v2-1': 'kling-v2-1', ...soraVia('kling-v2-1') }),
  },
  {
    name: 'chat-relay',
    type: 'chat-relay',
    keyVar: 'CHAT_RELAY_API_KEY',
    baseUrlVar: 'CHAT_RELAY_BASE_URL',
    // A reseller that speaks the seeds' own protocol serves the seeds' model names as they are.
    models: (env) => {
      const names = (env.CHAT_RELAY_MODELS ?? 'sora-2,sora_video2,gpt-4o-image,sora_image')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return Object.fromEntries(names.map((name) => [name, name]));
    },
  },
];

/** Where a shortcut's limits are read: its key variable without `_API_KEY` (`OPENAI_VIDEOS_CONCURRENCY`, `KLING_RPM`). */
const limitPrefix = (shortcut: Shortcut) => shortcut.keyVar.replace(/_(API|ACCESS)_KEY$/, '');

const keyList = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Channels created from well-known variables (OPENAI_API_KEY, GEMINI_API_KEY, …), each with its
 * base-URL variable so it can point at a proxy, a regional endpoint or a test server, and its limit
 * variables (`<PREFIX>_CONCURRENCY`, `<PREFIX>_RPM`). A channel of the same name in the YAML file
 * wins. Several keys may be given comma-separated.
 */
export function channelsFromEnv(env: Env, namesTaken: ReadonlySet<string>): EnvChannel[] {
  const channels: EnvChannel[] = [];
  for (const shortcut of SHORTCUTS) {
    const first = env[shortcut.keyVar]?.trim();
    if (!first || namesTaken.has(shortcut.name)) continue;
    let keys = keyList(first);
    if (shortcut.secondKeyVar) {
      const secrets = keyList(env[shortcut.secondKeyVar] ?? '');
      if (secrets.length !== keys.length) continue;
      keys = keys.map((access, i) => `${access}:${secrets[i]}`);
    }
    const models = shortcut.models(env);
    const baseUrl = env[shortcut.baseUrlVar]?.trim() || undefined;
    const limits = limitsFromEnv(env, limitPrefix(shortcut));
    channels.push({ name: shortcut.name, type: shortcut.type, ...(baseUrl && { baseUrl }), keys, models, ...limits });
  }
  return channels;
}

/** Variables that hold secrets, so `--print-config` and logs can mask them. */
export const SECRET_ENV_VARS = SHORTCUTS.flatMap((s) => [s.keyVar, ...(s.secondKeyVar ? [s.secondKeyVar] : [])]);
