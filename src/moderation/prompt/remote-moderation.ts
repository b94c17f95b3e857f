/** What an OpenAI-compatible `/v1/moderations` service said about a prompt, in our category names. */
export interface RemoteVerdict {
  /** Our categories the service flagged. */
  flagged: string[];
  /** Every score it returned, under its own names (`sexual/minors`…), rounded. */
  scores: Record<string, number>;
}

export interface RemoteModerationSettings {
  url: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
}

/** OpenAI's moderation categories → ours. Categories not listed keep their own name, `/` → `_`. */
const CATEGORY_MAP: Record<string, string> = {
  sexual: 'sexual',
  'sexual/minors': 'sexual_minors',
  violence: 'violence',
  'violence/graphic': 'violence',
  'self-harm': 'self_harm',
  'self-harm/intent': 'self_harm',
  'self-harm/instructions': 'self_harm',
  harassment: 'harassment',
  'harassment/threatening': 'harassment',
  hate: 'hate',
  'hate/threatening': 'hate',
  illicit: 'illicit',
  'illicit/violent': 'illicit',
};

export const ourCategory = (theirs: string) =>
  CATEGORY_MAP[theirs] ?? theirs.replace(/[^a-z0-9]+/gi, '_').toLowerCase();

export class RemoteModerationError extends Error {}

const endpoint = (url: string) => (/\/moderations\/?$/.test(url) ? url : `${url.replace(/\/+$/, '')}/moderations`);

/** Asks the configured service about one prompt. Throws RemoteModerationError when it cannot answer. */
export async function consultRemoteModeration(
  prompt: string,
  settings: RemoteModerationSettings,
): Promise<RemoteVerdict> {
  let response: Response;
  try {
    response = await fetch(endpoint(settings.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}),
      },
      body: JSON.stringify({ model: settings.model, input: prompt }),
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
  } catch (err) {
    throw new RemoteModerationError(`the moderation service did not answer (${(err as Error).name})`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new RemoteModerationError(`the moderation service answered HTTP ${response.status}`);
  }
  const body = (await response.json().catch(() => null)) as {
    results?: { flagged?: boolean; categories?: Record<string, boolean>; category_scores?: Record<string, number> }[];
  } | null;
  const result = body?.results?.[0];
  if (!result || typeof result !== 'object')
    throw new RemoteModerationError('the moderation service answered without results');
  const flagged = new Set<string>();
  for (const [name, hit] of Object.entries(result.categories ?? {})) if (hit === true) flagged.add(ourCategory(name));
  const scores: Record<string, number> = {};
  for (const [name, value] of Object.entries(result.category_scores ?? {}))
    if (typeof value === 'number') scores[name] = Math.round(value * 1000) / 1000;
  return { flagged: [...flagged], scores };
}
