import type { Channel } from './channel.js';

export interface Route {
  channel: Channel;
  upstreamModel: string;
}

/**
 * Resolves a public model name to the channels that serve it: highest priority first, healthy
 * before unhealthy, and among equals a weighted random order so load spreads by weight.
 */
export class ChannelRegistry {
  private readonly byName = new Map<string, Channel>();

  constructor(
    readonly channels: readonly Channel[],
    private readonly random: () => number = Math.random,
  ) {
    for (const channel of channels) this.byName.set(channel.name, channel);
  }

  /** Every route for `model`, in the order they should be tried. */
  candidates(model: string, now = Date.now()): Route[] {
    const serving = this.channels.filter((c) => c.models.has(model));
    const groups = new Map<string, Channel[]>();
    for (const channel of serving) {
      const key = `${channel.healthy(now) ? 0 : 1}:${-channel.settings.priority}`;
      groups.set(key, [...(groups.get(key) ?? []), channel]);
    }
    const order = [...groups.keys()].sort((a, b) => {
      const [ha, pa] = a.split(':').map(Number);
      const [hb, pb] = b.split(':').map(Number);
      return ha - hb || pa - pb;
    });
    return order.flatMap((key) => this.weightedShuffle(groups.get(key)!)).map((channel) => ({ channel, upstreamModel: channel.models.get(model)! }));
  }

  route(model: string): Route | undefined {
    return this.candidates(model)[0];
  }

  /** The route for a job that already has a channel (resumed jobs keep theirs). */
  routeOn(channelName: string, model: string): Route | undefined {
    const channel = this.byName.get(channelName);
    const upstreamModel = channel?.models.get(model);
    return channel && upstreamModel !== undefined ? { channel, upstreamModel } : undefined;
  }

  servesModel(model: string): boolean {
    return this.channels.some((c) => c.models.has(model));
  }

  get(name: string): Channel | undefined {
    return this.byName.get(name);
  }

  private weightedShuffle(channels: Channel[]): Channel[] {
    const pool = [...channels];
    const out: Channel[] = [];
    while (pool.length > 0) {
      const total = pool.reduce((sum, c) => sum + c.settings.weight, 0);
      let pick = this.random() * total;
      let index = pool.findIndex((c) => (pick -= c.settings.weight) < 0);
      if (index === -1) index = pool.length - 1;
      out.push(...pool.splice(index, 1));
    }
    return out;
  }
}
