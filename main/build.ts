/**
 * Bundles the Electron side: main (ESM), the engine utility process (ESM) and the sandboxed
 * preload (CommonJS: a sandboxed preload cannot load ES modules). npm packages stay external
 * (they ship in the asar; onnxruntime-node's native binaries are unpacked next to it).
 *
 *   tsx main/build.ts   → dist/electron/{main.mjs, engine.mjs, preload.cjs}
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const out = join(ROOT, 'dist', 'electron');

const common = { bundle: true, sourcemap: true, target: 'node20', logLevel: 'warning' as const, absWorkingDir: ROOT };

await Promise.all([
  build({ ...common, entryPoints: ['main/electron/main.ts'], outfile: join(out, 'main.mjs'), platform: 'node', format: 'esm', packages: 'external' }),
  build({ ...common, entryPoints: ['main/electron/engine-process.ts'], outfile: join(out, 'engine.mjs'), platform: 'node', format: 'esm', packages: 'external' }),
  build({ ...common, entryPoints: ['main/electron/preload.ts'], outfile: join(out, 'preload.cjs'), platform: 'node', format: 'cjs', external: ['electron'] }),
]);
console.log(`built ${out}/{main.mjs, engine.mjs, preload.cjs}`);
