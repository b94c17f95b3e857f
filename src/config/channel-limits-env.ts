import { ConfigError } from './errors.js';

type Env = Record<string, string | undefined>;

/** A channel's limits as environment variables spell them: `<prefix>_CONCURRENCY`, `<prefix>_RPM`. */
export interface ChannelLimitsFromEnv {
  concurrency?: number;
  rpm?: number;
}

/** A limit variable's value: a positive whole number, or a startup error naming the variable. */
function readLimit(env: Env, name: string): number | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(value))
    throw new ConfigError(`${name} must be a positive whole number; it is "${text}".`);
  return value;
}

/** The limits set under one variable prefix, e.g. `OPENAI_VIDEOS` or `MEDIAGATE_CHANNEL_VEO`. */
export function limitsFromEnv(env: Env, prefix: string): ChannelLimitsFromEnv {
  const concurrency = readLimit(env, `${prefix}_CONCURRENCY`);
  const rpm = readLimit(env, `${prefix}_RPM`);
  return { ...(concurrency !== undefined && { concurrency }), ...(rpm !== undefined && { rpm }) };
}

/** `MEDIAGATE_CHANNEL_<NAME>`: the channel's name upper-cased, any character but a letter or digit as `_`. */
export const channelVarPrefix = (name: string) => `MEDIAGATE_CHANNEL_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/**
 * Every channel, from the YAML file or a shortcut, takes `MEDIAGATE_CHANNEL_<NAME>_CONCURRENCY` and
 * `_RPM` over what it says itself, so a deployment can change a limit without editing the file.
 */
export function withLimitsFromEnv(env: Env, channels: unknown[]): unknown[] {
  return channels.map((channel) => {
    const name = (channel as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return channel;
    const limits = limitsFromEnv(env, channelVarPrefix(name));
    return Object.keys(limits).length > 0 ? { ...(channel as object), ...limits } : channel;
  });
}
