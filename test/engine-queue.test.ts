import { describe, expect, test } from 'vitest';
import { EngineQueue } from '../main/host/engine-queue.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('engine queue', () => {
  test('one run at a time; interactive work jumps the background queue', async () => {
    const q = new EngineQueue();
    const order: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const job = (name: string) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      order.push(name);
      await tick(5);
      running--;
      return name;
    };
    const none = new AbortController().signal;
    const all = [
      q.submit('background', none, job('b1')),
      q.submit('background', none, job('b2')),
      q.submit('background', none, job('b3')),
      q.submit('interactive', none, job('i1')),
    ];
    await Promise.all(all);
    expect(maxRunning).toBe(1);
    expect(order).toEqual(['b1', 'i1', 'b2', 'b3']);
  });

  test('a waiting job whose signal aborts leaves the queue with CANCELLED', async () => {
    const q = new EngineQueue();
    const none = new AbortController().signal;
    const ctl = new AbortController();
    let ran = false;
    const first = q.submit('background', none, async () => tick(10));
    const second = q.submit('interactive', ctl.signal, async () => {
      ran = true;
    });
    ctl.abort();
    await expect(second).rejects.toMatchObject({ code: 'CANCELLED' });
    await first;
    expect(ran).toBe(false);
  });
});
