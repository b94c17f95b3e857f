export { parsePrompt, DIRECTIVE_RULES } from './directives.js';
export { detectLanguage } from './language.js';
export { extractUserInput, type UserInput } from './messages.js';
export { resolveGeneration, checkReferenceCount } from './resolve.js';
export type * from './types.js';
