import { describe, expect, it } from 'vitest';
import type { Config } from '../src/config/index.js';
import { ConfigError } from '../src/config/errors.js';
import { buildChannels } from '../src/providers/build-channels.js';
import type { Provider } from '../src/providers/types.js';

const configWith = (options: Record<string, unknown>) =>
  ({
    channels: [
      {
        name: 'google-main',
        type: 'gemini',
        keys: ['k'],
        models: ['sora-2'],
        priority: 0,
        weight: 1,
        concurrency: 1,
        timeoutMs: 1000,
        options,
      },
    ],
    sandbox: { mode: 'never' },
  }) as unknown as Config;
const noSandbox = () => ({}) as Provider;

describe('channel options', () => {
  it('stops the start on a bad option with a message naming the channel and the option', () => {
    const build = () => buildChannels(configWith({ veoReferenceMode: 'assets' }), noSandbox);
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(
      'Channel "google-main": gemini channel option "veoReferenceMode" must be one of first-frame, asset.',
    );
  });

  it('builds the channel when its options are good', () => {
    const [channel] = buildChannels(configWith({ imageSize: '4K', veoExpectedSeconds: 30 }), noSandbox);
    expect(channel.name).toBe('google-main');
    expect(channel.provider.protocol).toBe('gemini');
  });
});
