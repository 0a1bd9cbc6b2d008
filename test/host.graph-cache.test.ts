/**
 * The host builds engines through the persistent graph cache: a model's first start reports its
 * build (weights, "building graph N %", session) as progress of the request that waits for it,
 * and the same model in a new host (a restart of the app) opens the cached graph without
 * building anything.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { testHost } from './support/host.js';
import { rpcClient } from './support/rpc-client.js';

const tmp = mkdtempSync(join(tmpdir(), 'fastast-host-graph-cache-'));
const graphs = join(tmp, 'graph-cache', 'graphs');
/** Not the default model, which the host starts loading on its own (without a request to report to). */
const MODEL = 'ast-tiny-esc10-plain';

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Selects MODEL in a fresh host on the shared cache; returns the progress lines of that request. */
async function selectInNewHost(): Promise<{ messages: string[]; done: number[]; ep: string }> {
  const host = testHost(tmp);
  await host.start();
  const client = rpcClient(host);
  try {
    const call = client.call('models.select', { id: MODEL });
    const res = await call.done;
    if (!res.ok) throw new Error(`models.select: ${res.error.message}`);
    const progress = client.events.filter((e) => e.event === 'progress').map((e) => e.data as { id: number; phase: string; done: number; message?: string });
    const mine = progress.filter((p) => p.id === call.id && p.phase === 'model');
    const result = res.result as { engine: { ep: string } };
    return { messages: mine.map((p) => p.message ?? ''), done: mine.map((p) => p.done), ep: result.engine.ep };
  } finally {
    client.close();
    await host.dispose();
  }
}

test('a first start builds the graph with progress; a second host opens it from the cache', { timeout: 180_000 }, async () => {
  const first = await selectInNewHost();
  expect(first.ep).toBe('cpu');
  expect(first.messages.some((m) => /^building graph \d+ %$/.test(m))).toBe(true);
  expect(first.messages).toContain('reading weights 0 %');
  // Percent of the whole start, never going back.
  expect(first.done.every((d, i) => i === 0 || d >= first.done[i - 1])).toBe(true);
  expect(first.done.at(-1)).toBe(100);
  expect(existsSync(graphs) && readdirSync(graphs).some((f) => f.endsWith('.onnx'))).toBe(true);

  const second = await selectInNewHost();
  expect(second.ep).toBe('cpu');
  expect(second.messages.some((m) => /building graph|reading weights/.test(m))).toBe(false);
  expect(second.messages).toContain('opening the cached graph');
  expect(second.done.at(-1)).toBe(100);
});
