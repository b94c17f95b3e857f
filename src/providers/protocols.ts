import { openAiImagesProtocol } from './openai-images/index.js';
import { openAiVideosProtocol } from './openai-videos/index.js';
import { chatRelayProtocol } from './chat-relay/index.js';
import { bflProtocol } from './bfl/index.js';
import { recraftProtocol } from './recraft/index.js';
import { klingProtocol } from './kling/index.js';
import { arkProtocol } from './ark/index.js';
import { dashScopeProtocol } from './dashscope/index.js';
import { geminiProtocol } from './gemini/index.js';
import type { ProtocolEntry } from './types.js';

/**
 * Every upstream protocol the gateway speaks, by channel type. Each lives in its own folder under
 * src/providers/ and registers exactly one line here.
 */
export const PROTOCOLS: Record<string, ProtocolEntry> = {
  dashscope: dashScopeProtocol,
  'openai-images': openAiImagesProtocol,
  'openai-videos': openAiVideosProtocol,
  'chat-relay': chatRelayProtocol,
  bfl: bflProtocol,
  recraft: recraftProtocol,
  kling: klingProtocol,
  ark: arkProtocol,
  gemini: geminiProtocol,
};
