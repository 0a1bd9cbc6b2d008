/** Start-up: link the stores, say hello to the host, load the model, wire host events into the stores. */
import { api } from './api/client';
import { useAnalysis } from './stores/analysis';
import { useFile } from './stores/file';
import { useMerge } from './stores/merge';
import { useModels } from './stores/models';
import { useUi } from './stores/ui';
import { openExportDialog, openPaths, restoreLastSession } from './actions';
import { linkFolderSession } from './folder-session';
import { linkSession, loadSession } from './session';
import { linkStores } from './store-links';

let started = false;

async function hello(): Promise<void> {
  const h = await api().call('hello', {});
  useUi.getState().setHostKind(h.host);
  useFile.getState().setDirs(h.homeDir, h.demoDir);
  useModels.getState().setAll(h.models, h.activeModel, h.engine);
  // The settings saved last session, once: a reconnect keeps what the user has now.
  if (h.lastMerge && !started) useMerge.getState().setParams(h.lastMerge, 'restore');
  started = true;
  if (h.activeModel) {
    const ok = await useModels.getState().select(h.activeModel);
    if (ok) {
      // r again, now against the loaded model's limit.
      useMerge.getState().setParams({}, 'restore');
      await useMerge.getState().loadTable();
    }
  }
  void useFile.getState().list(h.demoDir ?? h.homeDir);
}

export async function bootstrap(): Promise<void> {
  linkStores();
  linkSession();
  linkFolderSession();
  const client = api();
  client.onStatus((up) => {
    useUi.getState().setConnected(up);
    if (!up) {
      // The banner (HostBanner) says why and whether it comes back; a toast would repeat it.
      useMerge.setState({ running: false });
      useAnalysis.setState({ running: false, progress: null });
    } else if (started) {
      // The host came back (reconnect or engine respawn): its caches are gone; reopen the file.
      void hello().then(async () => {
        const f = useFile.getState().file;
        if (f) {
          const reopened = await useFile.getState().open(f.path);
          if (reopened) useMerge.getState().focus(useMerge.getState().focusS);
        }
      });
    }
  });
  client.on('notice', (n) => useUi.getState().notify(n.level, n.message));
  client.on('protocol.error', (e) => useUi.getState().notify('error', `Protocol error: ${e.message}`));
  client.on('host.restarted', (r) => useUi.getState().notify('warning', `The engine process restarted: ${r.reason}`));
  client.on('command', (c) => {
    if (c.command === 'open-files' || c.command === 'open-folder') void openPaths(c.paths);
    if (c.command === 'open-model' && c.paths[0]) void useModels.getState().importDir(c.paths[0]);
    // Electron's File → Export Segments…: the folder chosen in the native dialog comes along.
    if (c.command === 'export') openExportDialog(c.paths[0] ?? null);
  });
  try {
    useUi.getState().setConnected(true);
    await hello();
    // The last session: its files, their segments and reviews, as they were left. A page opened
    // with `session=new` in its URL starts on the welcome screen (whose button restores it).
    const fresh = new URLSearchParams(location.search).get('session') === 'new';
    if ((await loadSession()) && !fresh) await restoreLastSession(true);
  } catch (e) {
    useUi.getState().notify('error', `Cannot reach the engine host: ${(e as Error).message}`);
  }
}
