import { stringify } from 'yaml';
import type { Channel } from '../providers/channel.js';
import type { Config } from './schema.js';

/**
 * The resolved routing table as an operator wants to check it: every channel with its protocol,
 * endpoint, models (public → upstream), order and limits. Keys appear masked, with the fingerprint
 * the logs and job rows use.
 */
export function renderRoutingTable(config: Config, channels: readonly Channel[]): string {
  const table = {
    sandbox: config.sandbox.mode,
    channels: channels.map((c) => ({
      name: c.name,
      type: c.settings.type,
      baseUrl: c.settings.baseUrl,
      priority: c.settings.priority,
      weight: c.settings.weight,
      concurrency: c.settings.concurrency,
      ...(c.settings.rpm !== undefined && { rpm: c.settings.rpm }),
      keys: c.keys.states.map((k) => `${k.masked} (${k.id})`),
      models: Object.fromEntries(c.models),
    })),
  };
  return stringify(table);
}
