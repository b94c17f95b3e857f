import type { Provider } from './types.js';

/** One upstream account: a protocol adapter plus the public models it serves. */
export interface Channel {
  name: string;
  provider: Provider;
  /** Public model name → model name the upstream expects. */
  models: ReadonlyMap<string, string>;
}

export interface Route {
  channel: Channel;
  upstreamModel: string;
}

/** Resolves a public model name to the channel that serves it. */
export class ChannelRegistry {
  private readonly byName = new Map<string, Channel>();

  constructor(readonly channels: readonly Channel[]) {
    for (const channel of channels) this.byName.set(channel.name, channel);
  }

  route(model: string): Route | undefined {
    for (const channel of this.channels) {
      const upstreamModel = channel.models.get(model);
      if (upstreamModel !== undefined) return { channel, upstreamModel };
    }
    return undefined;
  }

  /** The route for a job that already has a channel (resumed jobs keep theirs). */
  routeOn(channelName: string, model: string): Route | undefined {
    const channel = this.byName.get(channelName);
    const upstreamModel = channel?.models.get(model);
    return channel && upstreamModel !== undefined ? { channel, upstreamModel } : undefined;
  }

  servesModel(model: string): boolean {
    return this.route(model) !== undefined;
  }
}
