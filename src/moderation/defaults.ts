/**
 * The default policy, in one place (README "Moderation" states the same). Configuration merges over
 * these: an operator who sets one category keeps the defaults of the others.
 */
export type PolicyAction = 'block' | 'warn' | 'off';

/** Prompt categories (stage 2). `sexual_minors` is derived: a sexual or suggestive term together with a minor. */
export const DEFAULT_PROMPT_ACTIONS: Record<string, PolicyAction> = {
  sexual_minors: 'block',
  sexual: 'block',
  violence: 'block',
  self_harm: 'block',
  public_figures: 'block',
  copyright: 'block',
  // On their own these are ordinary ("a child flying a kite", "a sexy red dress"); they count in the
  // sexual_minors combination.
  minors: 'warn',
  suggestive: 'off',
};

/** An action for categories nobody configured (an operator's own term file, a remote service's category). */
export const DEFAULT_UNKNOWN_CATEGORY_ACTION: PolicyAction = 'block';

/** Which block wins when several categories match. */
export const PROMPT_CATEGORY_ORDER = [
  'sexual_minors',
  'sexual',
  'violence',
  'self_harm',
  'public_figures',
  'copyright',
  'minors',
  'suggestive',
];

/** Stage 3 classes of the nsfwjs model and the score at which a result is withheld; null = not checked. */
export const OUTPUT_CLASSES = ['porn', 'hentai', 'sexy', 'drawing', 'neutral'] as const;
export type OutputClass = (typeof OUTPUT_CLASSES)[number];
export const DEFAULT_OUTPUT_THRESHOLDS: Record<OutputClass, number | null> = {
  // 0.7 withheld a benign face close-up of the eval set (porn 0.80); 0.85 withheld none. Recall is
  // unmeasured: no explicit sample ships in any package (bench/moderation-eval.ts).
  porn: 0.85,
  hentai: 0.85,
  sexy: null,
  drawing: null,
  neutral: null,
};
