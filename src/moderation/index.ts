export * from './types.js';
export { createModerator } from './create-moderator.js';
export {
  upstreamModerationError,
  fromArkCode,
  fromBflStatus,
  fromDashscopeCode,
  fromGeminiBlockReason,
  fromGeminiFinishReason,
  fromKlingCode,
  fromOpenAIError,
  fromVeoFiltered,
  UPSTREAM_POLICY,
} from './upstream.js';
