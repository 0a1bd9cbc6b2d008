import { join, resolve } from 'node:path';
import { Host } from '../../main/host.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** A serve-kind host on the bundled models and demo clips, cpu only, with its state under `tmp`. */
export function testHost(tmp: string): Host {
  return new Host({
    kind: 'serve',
    appVersion: 'test',
    modelsDir: join(ROOT, 'models'),
    defaultModel: 'ast-tiny-esc10-cmkd',
    stateDir: join(tmp, 'state'),
    mediaDir: join(tmp, 'media'),
    demoDir: join(ROOT, 'data', 'demo'),
    homeDir: tmp,
    providers: ['cpu'],
  });
}
