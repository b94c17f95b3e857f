import {
  DEFAULT_PROMPT_ACTIONS,
  DEFAULT_UNKNOWN_CATEGORY_ACTION,
  PROMPT_CATEGORY_ORDER,
  type PolicyAction,
} from '../defaults.js';
import { TermMatcher, type TermMatch } from './matcher.js';
import { consultRemoteModeration, RemoteModerationError, type RemoteModerationSettings } from './remote-moderation.js';
import type { TermCategoryData } from './term-data.js';

export interface PromptDecision {
  /** The category that stops the prompt, if one does. */
  block: { category: string; term?: string; scores: Record<string, number>; source: 'terms' | 'remote' } | null;
  /** Categories set to `warn` that matched: logged, not refused. */
  warnings: TermMatch[];
  /** Every category that matched locally, whatever its action. */
  matches: TermMatch[];
}

export interface PromptPolicySettings {
  actions: Record<string, PolicyAction>;
  terms: Record<string, TermCategoryData>;
  remote?: RemoteModerationSettings & { failOpen: boolean };
}

/** Raised when the remote service is required (failOpen false) and could not answer. */
export class ModerationUnavailableError extends Error {}

const SEXUAL_CONTEXT = ['sexual', 'suggestive'];

const rank = (category: string) => {
  const at = PROMPT_CATEGORY_ORDER.indexOf(category);
  return at < 0 ? PROMPT_CATEGORY_ORDER.length : at;
};

/**
 * Stage 2. Local term matching is pure string work and runs on every request; the optional remote
 * service is asked only when the local terms let the prompt through.
 */
export class PromptPolicy {
  private readonly matcher: TermMatcher;

  constructor(private readonly settings: PromptPolicySettings) {
    this.matcher = new TermMatcher(settings.terms);
  }

  actionFor(category: string): PolicyAction {
    return this.settings.actions[category] ?? DEFAULT_PROMPT_ACTIONS[category] ?? DEFAULT_UNKNOWN_CATEGORY_ACTION;
  }

  /** The local verdict, without the remote service. */
  evaluateLocal(prompt: string): PromptDecision {
    const matches = this.matcher.match(prompt);
    const minors = matches.find((m) => m.category === 'minors');
    const sexual = matches.find((m) => SEXUAL_CONTEXT.includes(m.category));
    if (minors && sexual) matches.push({ category: 'sexual_minors', term: `${minors.term} + ${sexual.term}` });
    matches.sort((a, b) => rank(a.category) - rank(b.category));
    const blocking = matches.find((m) => this.actionFor(m.category) === 'block');
    return {
      block: blocking
        ? { category: blocking.category, term: blocking.term, scores: { [blocking.category]: 1 }, source: 'terms' }
        : null,
      warnings: matches.filter((m) => this.actionFor(m.category) === 'warn'),
      matches,
    };
  }

  /**
   * The full verdict. `onRemoteFailure` hears about a service that did not answer when failing open
   * (so it can be logged); failing closed throws ModerationUnavailableError.
   */
  async evaluate(prompt: string, onRemoteFailure?: (reason: string) => void): Promise<PromptDecision> {
    const local = this.evaluateLocal(prompt);
    const remote = this.settings.remote;
    if (local.block || !remote || prompt.trim() === '') return local;
    try {
      const verdict = await consultRemoteModeration(prompt, remote);
      const flagged = verdict.flagged.sort((a, b) => rank(a) - rank(b));
      const blocking = flagged.find((category) => this.actionFor(category) === 'block');
      const warnings = flagged
        .filter((category) => this.actionFor(category) === 'warn')
        .map((category) => ({ category, term: 'remote' }));
      return {
        block: blocking ? { category: blocking, scores: verdict.scores, source: 'remote' } : null,
        warnings: [...local.warnings, ...warnings],
        matches: local.matches,
      };
    } catch (err) {
      if (!(err instanceof RemoteModerationError)) throw err;
      if (!remote.failOpen) throw new ModerationUnavailableError(err.message);
      onRemoteFailure?.(err.message);
      return local;
    }
  }
}
