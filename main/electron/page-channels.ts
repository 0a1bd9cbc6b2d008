/** What main answers on the page's IPC channels: open dialogs, opened-file notes, engine retry, and "ready" (then the engine port). */
import { s } from '../../app/contract/index.js';
import { BridgeDialogKind, IPC } from './bridge.js';
import { pickPaths } from './dialogs.js';
import { handleFromPage, NO_PAYLOAD, onFromPage } from './page-ipc.js';
import { isAudioPath, sendCommand, type Studio } from './studio.js';

/** Delay before the command-line files are sent, so the page has set up its listeners. */
const PENDING_OPEN_DELAY_MS = 300;

export function registerPageChannels(studio: Studio): void {
  handleFromPage(studio, IPC.dialog, BridgeDialogKind, async (kind) => {
    if (!studio.win) return [];
    const paths = await pickPaths(studio.win, kind);
    if (kind === 'files') for (const p of paths) studio.recent.note(p);
    return paths;
  });

  onFromPage(studio, IPC.opened, s.string({ min: 1, max: 4096 }), (path) => {
    if (isAudioPath(path)) studio.recent.note(path);
  });

  onFromPage(studio, IPC.retryEngine, NO_PAYLOAD, () => studio.engine.retry());

  onFromPage(studio, IPC.ready, NO_PAYLOAD, (_none, e) => {
    studio.engine.connect(e.sender);
    if (studio.pendingPaths.length) {
      const paths = studio.pendingPaths;
      studio.pendingPaths = [];
      setTimeout(() => sendCommand(studio, 'open-files', paths), PENDING_OPEN_DELAY_MS);
    }
  });
}
