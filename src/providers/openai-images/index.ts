import type { ProtocolEntry } from '../protocols.js';
import { OpenAiImagesProvider } from './provider.js';

export const openAiImagesProtocol: ProtocolEntry = {
  defaultBaseUrl: 'https://api.openai.com/v1',
  create: () => new OpenAiImagesProvider(),
};
