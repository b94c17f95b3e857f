/**
 * Environment variables for the `moderation` section, in the `[name, config path, parser]` form of
 * src/config/load.ts. Maps are written `key=value,key=value`.
 */
const bool = (value: string) => !/^(0|false|off|no)$/i.test(value.trim());
const int = (value: string) => Number.parseInt(value, 10);
const float = (value: string) => Number.parseFloat(value);
const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function pairs<T>(read: (value: string) => T) {
  return (value: string): Record<string, T> =>
    Object.fromEntries(
      list(value).map((pair) => {
        const at = pair.indexOf('=');
        return at < 0 ? [pair, read('')] : [pair.slice(0, at).trim(), read(pair.slice(at + 1).trim())];
      }),
    );
}
/** A threshold, or `off`/`none` for no check. */
const threshold = (value: string) => (/^(off|none|null)$/i.test(value) ? null : float(value));

export const MODERATION_ENV_BINDINGS: [string, string[], (v: string) => unknown][] = [
  ['MEDIAGATE_MODERATION', ['moderation', 'enabled'], bool],
  ['MEDIAGATE_MODERATION_INPUT_IMAGES', ['moderation', 'inputImages', 'enabled'], bool],
  ['MEDIAGATE_MODERATION_VIDEO_REFERENCES', ['moderation', 'inputImages', 'realPerson', 'video'], String],
  ['MEDIAGATE_MODERATION_IMAGE_REFERENCES', ['moderation', 'inputImages', 'realPerson', 'image'], String],
  ['MEDIAGATE_MODERATION_MODEL_REFERENCES', ['moderation', 'inputImages', 'models'], pairs(String)],
  ['MEDIAGATE_MODERATION_MIN_FACE_SCORE', ['moderation', 'inputImages', 'minFaceScore'], float],
  ['MEDIAGATE_MODERATION_MAX_FLATNESS', ['moderation', 'inputImages', 'maxFlatness'], float],
  ['MEDIAGATE_MODERATION_PROMPT', ['moderation', 'prompt', 'enabled'], bool],
  ['MEDIAGATE_MODERATION_PROMPT_ACTIONS', ['moderation', 'prompt', 'actions'], pairs(String)],
  ['MEDIAGATE_MODERATION_TERM_FILES', ['moderation', 'prompt', 'termFiles'], list],
  ['MEDIAGATE_MODERATION_REPLACE_TERMS', ['moderation', 'prompt', 'replaceBuiltinTerms'], bool],
  ['MEDIAGATE_MODERATION_API_URL', ['moderation', 'prompt', 'remote', 'url'], String],
  ['MEDIAGATE_MODERATION_API_KEY', ['moderation', 'prompt', 'remote', 'apiKey'], String],
  ['MEDIAGATE_MODERATION_API_MODEL', ['moderation', 'prompt', 'remote', 'model'], String],
  ['MEDIAGATE_MODERATION_API_TIMEOUT_MS', ['moderation', 'prompt', 'remote', 'timeoutMs'], int],
  ['MEDIAGATE_MODERATION_API_FAIL_OPEN', ['moderation', 'prompt', 'remote', 'failOpen'], bool],
  ['MEDIAGATE_MODERATION_OUTPUT', ['moderation', 'output', 'enabled'], bool],
  ['MEDIAGATE_MODERATION_OUTPUT_THRESHOLDS', ['moderation', 'output', 'thresholds'], pairs(threshold)],
  ['MEDIAGATE_MODERATION_VIDEO_FRAMES', ['moderation', 'output', 'videoFrames'], int],
  ['MEDIAGATE_MODERATION_THREADS', ['moderation', 'threads'], int],
  ['MEDIAGATE_MODERATION_TIMEOUT_MS', ['moderation', 'timeoutMs'], int],
];
