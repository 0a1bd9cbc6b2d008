/**
 * The page's Content-Security-Policy, one for both hosts. They differ only in where the page may
 * connect (serve: its own WebSocket; Electron: nothing beyond the app) and where media comes
 * from (serve: /media on the same origin; Electron: the fastast-media: scheme).
 */
export interface PageSources {
  /** connect-src sources besides 'self'. */
  connect: readonly string[];
  /** media-src sources. */
  media: readonly string[];
}

export function contentSecurityPolicy(sources: PageSources): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // wavesurfer.js puts a <style> into its shadow root.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `media-src ${sources.media.join(' ')}`,
    ["connect-src 'self'", ...sources.connect].join(' '),
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}
