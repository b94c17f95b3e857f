import { describe, expect, it } from 'vitest';
import type { Config } from '../src/config/index.js';
import { ConfigError } from '../src/config/errors.js';
import { buildChannels } from '../src/providers/build-channels.js';
import { readBflOptions } from '../src/providers/bfl/options.js';
import { readKlingOptions } from '../src/providers/kling/options.js';
import { readRecraftOptions } from '../src/providers/recraft/options.js';
import type { Provider } from '../src/providers/types.js';

const configWith = (options: Record<string, unknown>, type = 'gemini', name = 'google-main') =>
  ({
    channels: [
      {
        name,
        type,
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

  it.each([
    ['kling', { mode: 'master' }, 'kling channel option "mode" must be one of std, pro.'],
    ['kling', { cfg_scale: 1.5 }, 'kling channel option "cfg_scale" must be a number from 0 to 1.'],
    ['kling', { cfg_scale: '0.5' }, 'kling channel option "cfg_scale" must be a number from 0 to 1.'],
    ['kling', { text_model: ' ' }, 'kling channel option "text_model" must be a model name.'],
    ['bfl', { safety_tolerance: 7 }, 'bfl channel option "safety_tolerance" must be a whole number from 0 to 6.'],
    ['bfl', { steps: 20.5 }, 'bfl channel option "steps" must be a whole number from 1 to 50.'],
    ['bfl', { guidance: 1 }, 'bfl channel option "guidance" must be a number from 1.5 to 5.'],
    ['bfl', { prompt_upsampling: 'yes' }, 'bfl channel option "prompt_upsampling" must be true or false.'],
    [
      'recraft',
      { style: 'vector_illustration' },
      'recraft channel option "style" must be one of realistic_image, digital_illustration, logo_raster, any' +
        ' (the vector styles answer with SVG, which is not served).',
    ],
    ['recraft', { substyle: 3 }, 'recraft channel option "substyle" must be a substyle name.'],
    ['recraft', { style_id: '' }, 'recraft channel option "style_id" must be a custom style\'s id.'],
    ['recraft', { response_format: 'png' }, 'recraft channel option "response_format" must be one of url, b64_json.'],
  ])('stops the start on a bad %s option %j', (type, options, message) => {
    const build = () => buildChannels(configWith(options, type, 'main'), noSandbox);
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(`Channel "main": ${message}`);
  });

  it.each([
    ['kling', { mode: 'pro', cfg_scale: 0, text_model: 'kling-v2-master' }],
    ['bfl', { safety_tolerance: 0, prompt_upsampling: true, steps: 50, guidance: 1.5 }],
    ['recraft', { style: 'any', substyle: 'hdr', style_id: 'b0b1', response_format: 'b64_json' }],
  ])('builds a %s channel whose options are good', (type, options) => {
    const [channel] = buildChannels(configWith(options, type, 'main'), noSandbox);
    expect(channel.provider.protocol).toBe(type);
  });

  it('reads the options into the values sent upstream, defaults where unset', () => {
    expect(readKlingOptions({})).toEqual({ mode: 'std', textModel: 'kling-v2-1-master' });
    expect(readKlingOptions({ cfg_scale: 0.3, text_model: ' kling-v2-master ' })).toEqual({
      mode: 'std',
      cfgScale: 0.3,
      textModel: 'kling-v2-master',
    });
    expect(readBflOptions({})).toEqual({ safetyTolerance: 2 });
    expect(readBflOptions({ prompt_upsampling: false, steps: 1 })).toEqual({
      safetyTolerance: 2,
      promptUpsampling: false,
      steps: 1,
    });
    expect(readRecraftOptions({})).toEqual({ style: 'realistic_image', responseFormat: 'url' });
    // A custom style replaces the named style and its substyle.
    expect(readRecraftOptions({ style: 'any', substyle: 'hdr', style_id: 'b0b1' })).toEqual({
      styleId: 'b0b1',
      responseFormat: 'url',
    });
  });
});
