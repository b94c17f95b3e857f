import { findModel, listModels } from '../catalog/index.js';
import type { Config } from '../config/index.js';
import { ConfigError } from '../config/errors.js';
import type { MediaKind } from '../catalog/types.js';
import { Channel } from './channel.js';
import { defaultConcurrency } from './default-concurrency.js';
import { PROTOCOLS } from './protocols.js';
import type { Provider } from './types.js';

/** The sandbox sorts below every real channel when it runs beside them (`sandbox.mode: always`). */
const SANDBOX_PRIORITY = -1_000_000;

/** A protocol's options are read when its provider is made: a bad one names the channel too. */
function createProvider(channel: string, create: () => Provider): Provider {
  try {
    return create();
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`Channel "${channel}": ${err.message}`);
    throw err;
  }
}

/**
 * Turns the configured channels into live ones. A mistake an operator can fix (unknown protocol,
 * unknown public model) stops the start with a message naming the channel.
 */
export function buildChannels(config: Config, sandbox: () => Provider): Channel[] {
  const channels = config.channels.map((c) => {
    const protocol = PROTOCOLS[c.type];
    if (!protocol) {
      throw new ConfigError(
        `Channel "${c.name}": unknown type "${c.type}". Known types: ${Object.keys(PROTOCOLS).sort().join(', ')}.`,
      );
    }
    const pairs: [string, string][] = Array.isArray(c.models) ? c.models.map((m) => [m, m]) : Object.entries(c.models);
    const models = new Map<string, string>();
    const kinds = new Set<MediaKind>();
    for (const [publicName, upstreamName] of pairs) {
      const spec = findModel(publicName);
      if (!spec)
        throw new ConfigError(
          `Channel "${c.name}": "${publicName}" is not a model mediagate knows; see GET /v1/models or src/catalog.`,
        );
      models.set(spec.id, upstreamName);
      kinds.add(spec.kind);
    }
    const settings = {
      name: c.name,
      type: c.type,
      baseUrl: (c.baseUrl ?? protocol.defaultBaseUrl).replace(/\/+$/, ''),
      keys: c.keys,
      models,
      priority: c.priority,
      weight: c.weight,
      concurrency: c.concurrency ?? defaultConcurrency(protocol, kinds),
      ...(c.rpm !== undefined && { rpm: c.rpm }),
      timeoutMs: c.timeoutMs,
      ...(c.pollIntervalMs !== undefined && { pollIntervalMs: c.pollIntervalMs }),
      ...(c.statusCallsPerSecond !== undefined && { statusCallsPerSecond: c.statusCallsPerSecond }),
    };
    return new Channel(
      settings,
      createProvider(c.name, () => protocol.create(c.options)),
    );
  });
  const names = new Set<string>();
  for (const channel of channels) {
    if (names.has(channel.name))
      throw new ConfigError(`Two channels are named "${channel.name}"; names must be unique.`);
    names.add(channel.name);
  }
  const { mode } = config.sandbox;
  if (mode === 'always' || (mode === 'auto' && channels.length === 0)) channels.push(sandboxChannel(sandbox()));
  return channels;
}

/** With no upstream configured, the sandbox serves every catalog model under its own name. */
function sandboxChannel(provider: Provider): Channel {
  const models = new Map(listModels().map((m) => [m.id, m.id]));
  return new Channel(
    {
      name: 'sandbox',
      type: 'sandbox',
      baseUrl: 'http://sandbox.invalid',
      keys: [],
      models,
      priority: SANDBOX_PRIORITY,
      weight: 1,
      concurrency: 1_000_000,
      timeoutMs: 60_000,
    },
    provider,
  );
}
