import type { ExecutionProvider } from './types.js';

/** Execution providers to try, best first, on each platform (cpu always last: it cannot fail). */
export function defaultProviders(platform: NodeJS.Platform = process.platform): ExecutionProvider[] {
  switch (platform) {
    case 'win32':
      return ['webgpu', 'dml', 'cpu'];
    case 'darwin':
      return ['webgpu', 'coreml', 'cpu'];
    default:
      return ['webgpu', 'cpu'];
  }
}

/** Parses `--ep webgpu,cpu` style lists; unknown names are an error the user can fix. */
export function parseProviders(text: string): ExecutionProvider[] {
  const known: ExecutionProvider[] = ['webgpu', 'dml', 'coreml', 'cpu', 'wasm'];
  const list = text.split(',').map((s) => s.trim()) as ExecutionProvider[];
  const bad = list.filter((p) => !known.includes(p));
  if (bad.length) throw new Error(`unknown execution provider ${bad.join(', ')}; known: ${known.join(', ')}`);
  return list;
}
