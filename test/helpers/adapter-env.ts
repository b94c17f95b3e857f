/** Gateway env that adapter tests (test/providers) start with, next to the provider's own env shortcut. */

/** Polls upstream tasks every 200 ms, so a test sees progress and its result without waiting long. */
export const QUICK_POLL_ENV = { MEDIAGATE_POLL_INTERVAL_MS: '200' };

/** The gateway's own content review is tested elsewhere; in an adapter test it would only slow the adapter down. */
export const NO_REVIEW_ENV = { MEDIAGATE_MODERATION: 'false' };
