import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { Channel } from '../src/providers/channel.js';
import { ChannelRegistry } from '../src/providers/registry.js';
import type { Provider } from '../src/providers/types.js';
import { entryPoint } from './helpers/entry-point.js';

const run = promisify(execFile);

const stubProvider = { protocol: 'stub', label: 'Stub', authHeaders: () => ({}) } as unknown as Provider;

function channel(name: string, priority: number, weight = 1): Channel {
  return new Channel(
    {
      name,
      type: 'stub',
      baseUrl: 'http://x.invalid',
      keys: ['k1'],
      models: new Map([['gpt-image-1', 'gpt-image-1']]),
      priority,
      weight,
      concurrency: 4,
      timeoutMs: 1000,
    },
    stubProvider,
  );
}

/** A deterministic stand-in for Math.random: evenly spread values in [0, 1). */
function sequence(count: number): () => number {
  let i = 0;
  return () => ((i++ % count) + 0.5) / count;
}

describe('channel routing', () => {
  it('tries the highest priority first and spreads equal priorities by weight', () => {
    const registry = new ChannelRegistry(
      [channel('low', 0), channel('heavy', 5, 3), channel('light', 5, 1)],
      sequence(400),
    );
    const firsts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const order = registry.candidates('gpt-image-1').map((r) => r.channel.name);
      expect(order.at(-1)).toBe('low');
      firsts[order[0]] = (firsts[order[0]] ?? 0) + 1;
    }
    expect(firsts).toEqual({ heavy: 300, light: 100 });
  });

  it('passes over a channel after three failures in a row, until a cooldown ends', () => {
    const main = channel('main', 10);
    const registry = new ChannelRegistry([main, channel('backup', 0)]);
    const now = Date.now();
    for (let i = 0; i < 3; i++) main.recordFailure(now);
    expect(registry.candidates('gpt-image-1', now + 1).map((r) => r.channel.name)).toEqual(['backup', 'main']);
    expect(registry.candidates('gpt-image-1', now + 31_000).map((r) => r.channel.name)).toEqual(['main', 'backup']);
  });

  it('creates channels from well-known key variables, with their base-URL variables', () => {
    const config = loadConfig({
      OPENAI_API_KEY: 'sk-a,sk-b',
      OPENAI_BASE_URL: 'http://proxy.local/v1',
      BFL_API_KEY: 'bfl-key',
    });
    expect(config.channels.map((c) => ({ name: c.name, type: c.type, baseUrl: c.baseUrl, keys: c.keys }))).toEqual([
      { name: 'openai', type: 'openai-images', baseUrl: 'http://proxy.local/v1', keys: ['sk-a', 'sk-b'] },
      { name: 'bfl', type: 'bfl', baseUrl: undefined, keys: ['bfl-key'] },
    ]);
    expect(config.channels[1].models).toMatchObject({ flux: 'flux-pro-1.1', 'flux-kontext-pro': 'flux-kontext-pro' });
  });

  it('--print-config shows the routing table with every key masked', async () => {
    const { stdout } = await run(process.execPath, [entryPoint, '--print-config'], {
      env: {
        ...process.env,
        OPENAI_API_KEY: 'sk-live-SECRETSECRET1234',
        MEDIAGATE_DATA_DIR: '/tmp/mediagate-print-config',
      },
    });
    expect(stdout).not.toContain('SECRETSECRET');
    expect(stdout).not.toContain('1234');
    expect(stdout).toContain('name: openai');
    expect(stdout).toContain('type: openai-images');
    expect(stdout).toMatch(/sk-l… \([0-9a-f]{12}\)/);
    expect(stdout).toContain('gpt-4o-image: gpt-image-1');
  });
});
