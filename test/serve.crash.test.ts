/**
 * Issue 12, items 1 and 2: what a local process can send to `serve` over a raw socket must never
 * kill it. Each case goes to a serve process of its own; after it, serve must still answer an
 * authenticated request.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';

let served: ServeProcess;

beforeEach(async () => {
  served = await startServeProcess();
});

afterEach(async () => {
  await served?.stop();
});

/** Sends an upgrade request by hand; resolves with the status line and the open socket (the caller ends it). */
function upgrade(path: string, host: string): Promise<{ status: string; socket: Socket; closed: Promise<void> }> {
  return new Promise((res, rej) => {
    const socket = connect(served.port, '127.0.0.1');
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    let head = '';
    socket.on('error', () => {}); // a reset after the reply is what a refusal looks like
    socket.on('data', (d) => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end >= 0) res({ status: head.slice(0, head.indexOf('\r\n')), socket, closed });
    });
    void closed.then(() => res({ status: head.split('\r\n')[0] ?? '', socket, closed }));
    socket.on('connect', () =>
      socket.write(
        [
          `GET ${path} HTTP/1.1`,
          `Host: ${host}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
          'Sec-WebSocket-Version: 13',
          '',
          '',
        ].join('\r\n'),
      ),
    );
    setTimeout(() => rej(new Error(`no answer to the upgrade (got ${JSON.stringify(head)})`)), 10_000);
  });
}

/** A masked client frame whose header claims `length` bytes of payload, followed by `payload`. */
function frame(opcode: number, length: number, payload: Buffer): Buffer {
  let lengthBytes: Buffer;
  if (length < 126) lengthBytes = Buffer.from([0x80 | length]);
  else if (length < 65536) lengthBytes = Buffer.from([0x80 | 126, length >> 8, length & 255]);
  else {
    lengthBytes = Buffer.alloc(9);
    lengthBytes[0] = 0x80 | 127;
    lengthBytes.writeBigUInt64BE(BigInt(length), 1);
  }
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([Buffer.from([0x80 | opcode]), lengthBytes, mask, masked]);
}

async function stillServing(): Promise<void> {
  await new Promise((r) => setTimeout(r, 200)); // a crash is not synchronous with the socket closing
  expect(served.exitCode()).toBeNull();
  expect(await served.authedStatus()).toBe(200);
}

describe('serve survives hostile upgrades and frames', () => {
  test('a token of the right length in characters but not in bytes is refused (48 × "é")', async () => {
    const u = await upgrade(`/ws?token=${encodeURIComponent('é'.repeat(48))}`, `127.0.0.1:${served.port}`);
    expect(u.status).toBe('HTTP/1.1 401 Unauthorized');
    await u.closed;
    await stillServing();
  });

  test('a Host header that is no URL authority is refused ("[::1")', async () => {
    const u = await upgrade(`/ws?token=${served.token}`, '[::1');
    expect(u.status).toBe('HTTP/1.1 400 Bad Request');
    await u.closed;
    await stillServing();
  });

  test('a frame over the 64 MiB limit closes that socket only', async () => {
    const u = await upgrade(`/ws?token=${served.token}`, `127.0.0.1:${served.port}`);
    expect(u.status).toBe('HTTP/1.1 101 Switching Protocols');
    u.socket.write(frame(0x2, 64 * 1024 * 1024 + 1, Buffer.alloc(16)));
    await u.closed;
    await stillServing();
  });

  test('invalid UTF-8 in a text frame closes that socket only', async () => {
    const u = await upgrade(`/ws?token=${served.token}`, `127.0.0.1:${served.port}`);
    expect(u.status).toBe('HTTP/1.1 101 Switching Protocols');
    u.socket.write(frame(0x1, 2, Buffer.from([0xff, 0xfe])));
    await u.closed;
    await stillServing();
  });
});
