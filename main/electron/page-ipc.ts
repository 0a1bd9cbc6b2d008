/**
 * The one way main listens to the page: every message is checked to come from our page's
 * window and origin (once, here) and its payload is parsed against the contract before the
 * listener sees it.
 */
import { ipcMain, type IpcMainEvent, type IpcMainInvokeEvent } from 'electron';
import { PAGE_ORIGIN } from './studio-paths.js';
import type { Studio } from './studio.js';

/** A contract schema, or anything else that parses a payload or throws. */
export interface PayloadParser<T> {
  parse(raw: unknown, what: string): T;
}

/** For messages that carry nothing. */
export const NO_PAYLOAD: PayloadParser<void> = { parse: () => undefined };

function fromOurPage(studio: Studio, e: IpcMainEvent | IpcMainInvokeEvent): boolean {
  const wc = e.sender;
  return !!studio.win && wc === studio.win.webContents && (e.senderFrame?.url ?? wc.getURL()).startsWith(`${PAGE_ORIGIN}/`);
}

/** An invoke channel: a message from elsewhere, or a payload that does not parse, rejects the page's promise. */
export function handleFromPage<T, R>(studio: Studio, channel: string, payload: PayloadParser<T>, handler: (value: T, e: IpcMainInvokeEvent) => Promise<R>): void {
  ipcMain.handle(channel, async (e, raw: unknown) => {
    if (!fromOurPage(studio, e)) throw new Error('refused: not the app page');
    return handler(payload.parse(raw, channel), e);
  });
}

/** A one-way channel: a message from elsewhere, or a payload that does not parse, is dropped. */
export function onFromPage<T>(studio: Studio, channel: string, payload: PayloadParser<T>, listener: (value: T, e: IpcMainEvent) => void): void {
  ipcMain.on(channel, (e, raw: unknown) => {
    if (!fromOurPage(studio, e)) return;
    let value: T;
    try {
      value = payload.parse(raw, channel);
    } catch {
      return; // a malformed note from the page is ignored
    }
    listener(value, e);
  });
}
