import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { CreateEngine } from '../../main/host/host-config.js';
import { Host } from '../../main/host/host.js';
import { rpcClient, type RpcTestClient } from './rpc-client.js';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * A serve-kind host on the bundled models and demo clips, cpu only, with its state under `tmp`.
 * Its hub cache is `tmp`/hub and its graph cache `tmp`/graph-cache unless `env` says otherwise,
 * so models this machine's user downloaded and graphs it built stay out of the tests.
 */
export function testHost(
  tmp: string,
  env: NodeJS.ProcessEnv = { HF_HUB_CACHE: join(tmp, 'hub'), HF_HOME: join(tmp, 'hf-home'), HF_HUB_OFFLINE: '1', FASTAST_CACHE_DIR: join(tmp, 'graph-cache') },
  createEngine?: CreateEngine,
): Host {
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
    env,
    createEngine,
  });
}

/**
 * For a test file: a started test host under `tmp` with an RPC client, made before its tests (after
 * `prepare`) and disposed after them, `tmp` removed. Read `client` inside tests, not at load time.
 */
export function useTestHost(tmp: string, prepare: () => void = () => {}): { readonly client: RpcTestClient } {
  let host: Host;
  let client: RpcTestClient;
  beforeAll(async () => {
    prepare();
    host = testHost(tmp);
    await host.start();
    client = rpcClient(host);
  });
  afterAll(async () => {
    client.close();
    await host.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });
  return {
    get client() {
      return client;
    },
  };
}
