import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The app's version from package.json, for sidecars (read once; the file sits two folders up from app/export/). */
export function appVersion(): string {
  if (cached === undefined) {
    try {
      cached = String(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version ?? 'unknown');
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
