/**
 * Close codes `serve` sends on its WebSocket, and what the page does on each. They are part of the
 * wire between the UI and the host, like the frame format: the server (main/serve) and the
 * client (renderer/src/api/client.ts) both import them from here.
 */
export const SOCKET_CLOSE = {
  /** The token is not this server's (serve restarted with another one): stop retrying, say so. */
  wrongToken: 4401,
  /** The host process died and is being restarted: reconnect (with backoff) with the same token. */
  hostRestarting: 4503,
  /** The host process kept dying and serve stopped restarting it: stop retrying, offer "retry". */
  hostStopped: 4500,
} as const;

/** A WebSocket close reason may hold at most 123 bytes of UTF-8: longer text is cut, with "…". */
export function closeReason(text: string): string {
  const bytes = (t: string) => new TextEncoder().encode(t).length;
  if (bytes(text) <= 123) return text;
  let out = text.slice(0, 120);
  while (bytes(out) > 120) out = out.slice(0, -1);
  return `${out}…`;
}
