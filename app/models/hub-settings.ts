/** The hub settings Python's huggingface_hub reads from the environment, read the same way. */

export interface HubSettings {
  /** $HF_ENDPOINT (a mirror, or a test server), without a trailing slash. */
  endpoint: string;
  /** $HF_TOKEN, for gated and private repos. */
  token?: string;
  /** $HF_HUB_OFFLINE: no request at all; only what is in the cache. */
  offline: boolean;
}

/** Python's constants._is_true: 1, ON, YES, TRUE in any case. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(value.trim().toUpperCase());
}

export function hubSettings(env: NodeJS.ProcessEnv = process.env): HubSettings {
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  return {
    endpoint: (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, ''),
    ...(token ? { token } : {}),
    offline: isTrue(env.HF_HUB_OFFLINE),
  };
}
