/**
 * Who may talk to `serve`: the holder of the per-run token (query or cookie), through one of our
 * own loopback names when bound to 127.0.0.1 (a guard against DNS rebinding).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'fastast_token';

export function newToken(): string {
  return randomBytes(24).toString('hex');
}

/**
 * Constant-time token check. Digests, not the strings: two strings of one length in characters
 * can differ in length in bytes (48 × "é" is 96 bytes), and timingSafeEqual throws on that.
 */
export function sameToken(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const digest = (x: string) => createHash('sha256').update(x).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function cookieToken(req: IncomingMessage): string | null {
  const m = new RegExp(`(?:^|;\\s*)${TOKEN_COOKIE}=([0-9a-f]+)`).exec(req.headers.cookie ?? '');
  return m ? m[1] : null;
}

export class Access {
  /** Set once the server listens (the allowed Host names carry the port). */
  port = 0;

  constructor(
    readonly token: string,
    private readonly bind: string,
  ) {}

  /** Only guarded when bound to 127.0.0.1: bound elsewhere on purpose, other names are expected. */
  private get guarded(): boolean {
    return this.bind === '127.0.0.1';
  }

  private allowedHosts(): string[] {
    return [`127.0.0.1:${this.port}`, `localhost:${this.port}`, `[::1]:${this.port}`];
  }

  hostAllowed(host: string | undefined): boolean {
    return !this.guarded || this.allowedHosts().includes(host ?? '');
  }

  /** A browser's Origin must be our own page; clients that send none (not browsers) pass. */
  originAllowed(origin: string | undefined): boolean {
    return !origin || !this.guarded || this.allowedHosts().some((h) => origin === `http://${h}`);
  }

  /** The token in the URL's query or in the page's cookie. */
  authorised(req: IncomingMessage, url: URL): boolean {
    return sameToken(url.searchParams.get('token'), this.token) || sameToken(cookieToken(req), this.token);
  }

  /** Set on the page, so that its assets and WebSocket need no token in their URLs. */
  cookie(): string {
    return `${TOKEN_COOKIE}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
  }
}
