/**
 * What the page may ask Chromium for: nothing. The UI needs no camera, microphone, notification,
 * clipboard-read, geolocation, HID, USB or serial access (playback and drag and drop need no
 * permission), so every check, request and device request is denied, and a page that was ever
 * made to ask (an injected script, a dependency) gets nothing.
 *
 * No Electron import: the session is typed by the three methods used, so the policy is tested in
 * plain Node (test/electron.hardening.test.ts).
 */

/** The part of Electron's Session this sets (method syntax: Electron's handler types are narrower). */
export interface PermissionSession {
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string) => boolean): void;
  setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setDevicePermissionHandler(handler: (details: unknown) => boolean): void;
}

/** Permissions the page is granted. Empty on purpose; add one only with the feature that needs it. */
export const ALLOWED_PERMISSIONS: readonly string[] = [];

export function permitted(permission: string): boolean {
  return ALLOWED_PERMISSIONS.includes(permission);
}

export function applyPermissionPolicy(session: PermissionSession): void {
  session.setPermissionCheckHandler((_wc, permission) => permitted(permission));
  session.setPermissionRequestHandler((_wc, permission, callback) => callback(permitted(permission)));
  session.setDevicePermissionHandler(() => false);
}
