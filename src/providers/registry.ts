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
  /** Channels serving each public model, in configuration order: routing runs on every request. */
  private readonly byModel = new Map<string, Channel[]>();

  constructor(
    readonly channels: readonly Channel[],
    private readonly random: () => number = Math.random,
  ) {
    for (const channel of channels) {
      this.byName.set(channel.name, channel);
      for (const model of channel.models.keys()) this.byModel.set(model, [...(this.byModel.get(model) ?? []), channel]);
    }
  }

  /** Every route for `model`, in the order they should be tried. */
  candidates(model: string, now = Date.now()): Route[] {
    const serving = this.byModel.get(model) ?? [];
    if (serving.length <= 1) return serving.map((channel) => ({ channel, upstreamModel: channel.models.get(model)! }));
    const ranked = serving.map((channel) => ({
      channel,
      unhealthy: channel.healthy(now) ? 0 : 1,
      priority: channel.settings.priority,
    }));
    ranked.sort((a, b) => a.unhealthy - b.unhealthy || b.priority - a.priority);
    const ordered: Channel[] = [];
    for (let start = 0; start < ranked.length; ) {
      let end = start + 1;
      while (
        end < ranked.length &&
        ranked[end].unhealthy === ranked[start].unhealthy &&
        ranked[end].priority === ranked[start].priority
      )
        end++;
      ordered.push(...this.weightedShuffle(ranked.slice(start, end).map((r) => r.channel)));
      start = end;
    }
    return ordered.map((channel) => ({ channel, upstreamModel: channel.models.get(model)! }));
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
    return this.byModel.has(model);
  }

  get(name: string): Channel | undefined {
    return this.byName.get(name);
  }

  private weightedShuffle(pool: Channel[]): Channel[] {
    const out: Channel[] = [];
    while (pool.length > 0) {
      const total = pool.reduce((sum, c) => sum + c.settings.weight, 0);
      const pick = this.random() * total;
      let below = 0;
      let index = pool.findIndex((c) => {
        below += c.settings.weight;
        return pick < below;
      });
      if (index === -1) index = pool.length - 1;
      out.push(...pool.splice(index, 1));
    }
    return out;
  }
}
