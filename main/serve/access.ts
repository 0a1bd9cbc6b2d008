/**
 * Who may talk to `serve`: the holder of the per-run token (query or cookie), through one of our
 * own loopback names when bound to a loopback address (a guard against DNS rebinding).
 *
 * The page lives under a path prefix derived from the token (`/<prefix>/`), and the token cookie
 * is scoped to that path: browsers send cookies to every port of a host, so a cookie at `/`
 * would go to every other server on 127.0.0.1 the browser visits. The prefix is a one-way hash,
 * so it gives nothing of the token away, and it stays the same when the token does (a restarted
 * serve with --token keeps the page's address).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';

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

/** The address as a URL host: IPv6 in brackets; the wildcard binds shown as their loopback. */
export function urlHost(bind: string): string {
  if (bind === '0.0.0.0') return '127.0.0.1';
  const bare = bind.replace(/^\[|\]$/g, '');
  if (bare === '::') return '[::1]';
  return isIPv6(bare) ? `[${bare}]` : bare;
}

/** 127.0.0.0/8, localhost, ::1 in any spelling, and IPv4-mapped 127.x: a bind only this machine can reach. */
export function isLoopback(bind: string): boolean {
  const bare = bind.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIPv4(bare)) return bare.startsWith('127.');
  if (!isIPv6(bare)) return false;
  const norm = new URL(`http://[${bare}]/`).hostname; // '[::1]', '[::ffff:7f00:1]' …
  return norm === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:/.test(norm);
}

export class Access {
  /** Set once the server listens (the allowed Host names carry the port). */
  port = 0;
  /** The page's path, "/<20 hex digits>/". */
  readonly prefix: string;

  constructor(
    readonly token: string,
    private readonly bind: string,
  ) {
    this.prefix = `/${createHash('sha256').update(`fastast-page-path:${token}`).digest('hex').slice(0, 20)}/`;
  }

  /**
   * Only guarded when bound to a loopback address: bound to a LAN or wildcard address on purpose,
   * other names are expected (and the token is the only guard).
   */
  private get guarded(): boolean {
    return isLoopback(this.bind);
  }

  /** The Host headers our own URLs produce: the loopback names, and the bind address itself (e.g. 127.0.0.2). */
  allowedHosts(): string[] {
    const names = new Set(['127.0.0.1', 'localhost', '[::1]', urlHost(this.bind)]);
    return [...names].map((h) => `${h}:${this.port}`);
  }

  hostAllowed(host: string | undefined): boolean {
    return !this.guarded || this.allowedHosts().includes((host ?? '').toLowerCase());
  }

  /** A browser's Origin must be our own page; clients that send none (not browsers) pass. */
  originAllowed(origin: string | undefined): boolean {
    return !origin || !this.guarded || this.allowedHosts().some((h) => origin.toLowerCase() === `http://${h}`);
  }

  /** The token in the URL's query or in the page's cookie. */
  authorised(req: IncomingMessage, url: URL): boolean {
    return sameToken(url.searchParams.get('token'), this.token) || sameToken(cookieToken(req), this.token);
  }

  /** Set on the page, so that its assets need no token in their URLs; sent back only under the page's path. */
  cookie(): string {
    return `${TOKEN_COOKIE}=${this.token}; HttpOnly; SameSite=Strict; Path=${this.prefix}`;
  }

  /** The URL `serve` prints. */
  pageUrl(): string {
    return `http://${urlHost(this.bind)}:${this.port}${this.prefix}?token=${this.token}`;
  }
}
