import { join, normalize, sep } from 'node:path';

/**
 * The file of the built UI that a URL path names, or null when the path would leave the UI
 * folder. "/" is index.html. A malformed %-escape throws (URIError), as decodeURIComponent does.
 */
export function rendererFile(rendererDir: string, pathname: string): string | null {
  const rel = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
  const file = normalize(join(rendererDir, rel));
  return file.startsWith(rendererDir + sep) ? file : null;
}
