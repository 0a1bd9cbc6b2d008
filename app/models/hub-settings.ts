/** The hub settings Python's huggingface_hub reads from the environment, read the same way. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface HubSettings {
  /** $HF_ENDPOINT (a mirror, or a test server), without a trailing slash. */
  endpoint: string;
  /** $HF_TOKEN, else the token `huggingface-cli login` saved; for gated and private repos. */
  token?: string;
  /** $HF_HUB_OFFLINE: no request at all; only what is in the cache. */
  offline: boolean;
}

/** Python's constants._is_true: 1, ON, YES, TRUE in any case. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(value.trim().toUpperCase());
}

/** Where Python's login stores the token: $HF_TOKEN_PATH, else $HF_HOME/token (HF_HOME as for the cache). */
function savedToken(env: NodeJS.ProcessEnv): string | undefined {
  const home = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  try {
    return readFileSync(env.HF_TOKEN_PATH ?? join(home, 'token'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function hubSettings(env: NodeJS.ProcessEnv = process.env): HubSettings {
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || savedToken(env);
  return {
    endpoint: (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, ''),
    ...(token ? { token } : {}),
    offline: isTrue(env.HF_HUB_OFFLINE),
  };
}
