/**
 * The `npm run serve` command line: parses the flags, starts serve, prints the URL, stops on
 * SIGINT / SIGTERM.
 *
 *   tsx main/serve/main.ts [--port 0] [--model ast-tiny-esc10-cmkd] [--models DIR] [--state DIR] [--token HEX]
 *
 * This process is serve's front (HTTP, WebSocket, token); the host runs in a child it restarts
 * (serve.ts).
 */
import { parseArgs } from 'node:util';
import { serve } from './serve.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      model: { type: 'string' },
      models: { type: 'string' },
      state: { type: 'string' },
      renderer: { type: 'string' },
      threads: { type: 'string' },
      ep: { type: 'string' },
      token: { type: 'string' },
      quiet: { type: 'boolean' },
      root: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(`fastast serve: the FastAST Studio UI in your browser

  --port N        port on 127.0.0.1 (default: a free one)
  --host ADDR     bind address (default 127.0.0.1; for a remote GPU box prefer ssh -L)
  --model ID      model to load first (default ast-tiny-esc10-cmkd)
  --models DIR    bundled models folder (default ./models)
  --state DIR     where settings are kept (default ~/.config/fastast-studio)
  --threads N     onnxruntime intra-op threads (default: onnxruntime's choice)
  --ep LIST       execution providers to try, e.g. webgpu,cpu
  --token HEX     the token to require (default: the one kept in the state folder, made once)
  --quiet         no host log on stderr
  --root DIR      the only folder the browser may list, open, import from and export into
                  (default: every file this user can read or write)`);
    return;
  }
  const served = await serve({
    port: values.port ? Number(values.port) : 0,
    host: values.host,
    defaultModel: values.model,
    modelsDir: values.models,
    stateDir: values.state,
    rendererDir: values.renderer,
    threads: values.threads ? Number(values.threads) : undefined,
    providers: values.ep,
    token: values.token,
    quiet: values.quiet,
    root: values.root,
  });
  console.log(`FastAST Studio is serving at ${served.url}`);
  const stop = async () => {
    await served.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e) => {
  console.error(`serve: ${(e as Error).message}`);
  process.exit(1);
});
