/** serve's close reasons fit the WebSocket limit of 123 bytes of UTF-8, whatever the why. */
import { describe, expect, test } from 'vitest';
import { closeReason } from '../app/contract/socket-close.js';

const bytes = (t: string) => new TextEncoder().encode(t).length;

describe('closeReason', () => {
  test('short text is kept; long text is cut to 123 bytes with an ellipsis', () => {
    expect(closeReason('host restarting: killed by SIGKILL')).toBe('host restarting: killed by SIGKILL');
    for (const long of ['x'.repeat(500), 'é'.repeat(300), '😀'.repeat(100), `host restarting: could not start: ${'y'.repeat(4000)}`]) {
      const r = closeReason(long);
      expect(bytes(r)).toBeLessThanOrEqual(123);
      expect(r.endsWith('…')).toBe(true);
      expect(long.startsWith(r.slice(0, -1))).toBe(true);
    }
  });
});
