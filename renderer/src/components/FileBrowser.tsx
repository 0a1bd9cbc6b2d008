import { openPaths } from '../actions';
import { useFile } from '../stores/file';
import { useUi } from '../stores/ui';

/** The host's files (serve) — or Electron's Open folder listing. */
export function FileBrowser() {
  const browser = useFile((s) => s.browser);
  const recent = useFile((s) => s.recent);
  const list = useFile((s) => s.list);
  const demoDir = useFile((s) => s.demoDir);
  const homeDir = useFile((s) => s.homeDir);
  const close = () => useUi.getState().setBrowserOpen(false);
  return (
    <div className="browser-backdrop" onClick={close}>
      <div className="browser" onClick={(e) => e.stopPropagation()} data-testid="file-browser">
        <div className="browser-head">
          <button className="small" disabled={!browser?.parent} onClick={() => browser?.parent && void list(browser.parent)} title="Up">
            ↑
          </button>
          <input
            className="path"
            defaultValue={browser?.dir ?? ''}
            key={browser?.dir}
            onKeyDown={(e) => e.key === 'Enter' && void list((e.target as HTMLInputElement).value)}
            aria-label="folder"
          />
          {demoDir && (
            <button className="small" onClick={() => void list(demoDir)}>
              Demo clips
            </button>
          )}
          <button className="small" onClick={() => void list(homeDir)}>
            Home
          </button>
          <button className="small" onClick={close}>
            ✕
          </button>
        </div>
        <div className="browser-body">
          <ul className="entries">
            {browser?.entries.map((e) => (
              <li key={e.path}>
                {e.kind === 'dir' ? (
                  <button className="link dir" onClick={() => void list(e.path)}>
                    📁 {e.name}
                  </button>
                ) : (
                  <button className="link" onClick={() => void openPaths([e.path])} data-testid="browser-file">
                    ♪ {e.name}
                  </button>
                )}
              </li>
            ))}
            {browser && browser.entries.length === 0 && <li className="muted">no folders or audio files here</li>}
          </ul>
          {recent.length > 0 && (
            <div className="recent">
              <div className="muted">Recent</div>
              <ul>
                {recent.map((p) => (
                  <li key={p}>
                    <button className="link" onClick={() => void openPaths([p])} title={p}>
                      {p.split(/[\\/]/).pop()}
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
