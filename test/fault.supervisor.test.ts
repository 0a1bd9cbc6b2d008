/**
 * Issue 12, items 3 and 5, fault test: the supervisor shared by Electron's engine and serve's
 * host, driving real Node child processes that are killed with SIGKILL (Electron's
 * utilityProcess cannot run here; the policy is the same code).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { ForkedChild } from '../main/process/forked-child.js';
import { Supervisor, type SupervisorPolicy } from '../main/process/supervisor.js';

const tmp = mkdtempSync(join(tmpdir(), 'fastast-supervisor-test-'));
/** Says ready, then idles until killed. */
const IDLER = join(tmp, 'idler.mjs');
writeFileSync(IDLER, "process.send({ t: 'ready' });\nsetInterval(() => {}, 1 << 30);\nprocess.on('disconnect', () => process.exit(0));\n");
/** Dies before it is ready, as a host whose model crashes onnxruntime on load would. */
const FAILER = join(tmp, 'failer.mjs');
writeFileSync(FAILER, 'process.exit(70);\n');

const FAST: SupervisorPolicy = { maxCrashes: 5, windowMs: 60_000, firstDelayMs: 50, maxDelayMs: 400 };

type Event = { kind: 'up'; pid: number } | { kind: 'down'; why: string; restartInMs: number | null };

/** A supervisor of `entry` that records its events and lets a test wait for the next one. */
function supervise(entry: string, policy: SupervisorPolicy) {
  const log: Event[] = [];
  let waiters: (() => void)[] = [];
  const push = (e: Event) => {
    log.push(e);
    for (const w of waiters) w();
    waiters = [];
  };
  const sup = new Supervisor(() => new ForkedChild(entry), {
    up: (child) => push({ kind: 'up', pid: child.pid! }),
    down: (why, restartInMs) => push({ kind: 'down', why, restartInMs }),
  }, policy);
  /** Waits for the next event of `kind` counted from now. */
  const expectNext = async (kind: Event['kind']): Promise<Event> => {
    const start = log.length;
    for (;;) {
      const found = log.slice(start).find((e) => e.kind === kind);
      if (found) return found;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { sup, log, expectNext };
}

let running: Supervisor<ForkedChild>[] = [];
afterEach(() => {
  for (const s of running) s.stop();
  running = [];
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the shared supervisor with real child processes', () => {
  test('kill -9 of the child: reported with why, restarted after the first delay, up again', async () => {
    const { sup, expectNext } = supervise(IDLER, { ...FAST, firstDelayMs: 300 });
    running.push(sup);
    const upFirst = expectNext('up');
    sup.start();
    const first = (await upFirst) as { pid: number };
    expect(sup.state).toBe('up');

    const down = expectNext('down');
    const up = expectNext('up');
    process.kill(first.pid, 'SIGKILL');
    expect(await down).toEqual({ kind: 'down', why: 'killed by SIGKILL', restartInMs: 300 });
    expect(sup.state).toBe('restarting');
    const second = (await up) as { pid: number };
    expect(second.pid).not.toBe(first.pid);
    expect(sup.current?.pid).toBe(second.pid);
  });

  test('the delay doubles with each death; the fifth in a minute gives up; retry() starts it again', async () => {
    const { sup, log, expectNext } = supervise(IDLER, FAST);
    running.push(sup);
    let up = expectNext('up');
    sup.start();
    for (let i = 0; i < 4; i++) {
      const { pid } = (await up) as { pid: number };
      up = expectNext('up');
      process.kill(pid, 'SIGKILL');
    }
    const { pid } = (await up) as { pid: number };
    const gaveUp = expectNext('down');
    process.kill(pid, 'SIGKILL');
    await gaveUp;
    const downs = log.filter((e) => e.kind === 'down').map((e) => (e as { restartInMs: number | null }).restartInMs);
    expect(downs).toEqual([50, 100, 200, 400, null]);
    expect(sup.state).toBe('gave-up');
    expect(sup.current).toBeNull();
    // Nothing restarts on its own once it gave up.
    await new Promise((r) => setTimeout(r, 600));
    expect(log.length).toBe(10);

    const back = expectNext('up');
    sup.retry();
    await back;
    expect(sup.state).toBe('up');
    // The history was forgotten: the next death restarts again instead of giving up.
    const down = expectNext('down');
    process.kill(sup.current!.pid!, 'SIGKILL');
    expect(((await down) as { restartInMs: number | null }).restartInMs).toBe(50);
  });

  test('a child that dies before it is ready counts too: the loop ends', async () => {
    const { sup, log } = supervise(FAILER, FAST);
    running.push(sup);
    sup.start();
    await expect.poll(() => sup.state, { timeout: 20_000 }).toBe('gave-up');
    expect(log.map((e) => e.kind)).toEqual(['down', 'down', 'down', 'down', 'down']);
    expect(log.every((e) => e.kind === 'down' && e.why === 'exit code 70')).toBe(true);
  });

  test('stop() ends the child for good', async () => {
    const { sup, log, expectNext } = supervise(IDLER, FAST);
    const up = expectNext('up');
    sup.start();
    const { pid } = (await up) as { pid: number };
    sup.stop();
    await expect.poll(() => isGone(pid), { timeout: 10_000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(log.map((e) => e.kind)).toEqual(['up']);
    expect(sup.state).toBe('idle');
  });
});

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
