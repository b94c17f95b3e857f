/** A setting that cannot be used: the message names the setting and what is wrong with it. */
export class ConfigError extends Error {}
