import { useEffect, useRef, useState } from 'react';
import { openPaths } from '../actions';
import { useFile } from '../stores/file';
import { useUi } from '../stores/ui';
import { FolderIcon, NoteIcon } from './icons';

/**
 * The host's files (serve) — or Electron's Open folder listing. It takes the focus when it opens
 * (Ctrl+O left it behind, so Esc did not reach it); Esc closes it. The path box takes a folder
 * or an audio file: a file opens, anything else is listed as a folder.
 */
export function FileBrowser() {
  const pathRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    pathRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        useUi.getState().setBrowserOpen(false);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const browser = useFile((s) => s.browser);
  const recent = useFile((s) => s.recent);
  const list = useFile((s) => s.list);
  const demoDir = useFile((s) => s.demoDir);
  const homeDir = useFile((s) => s.homeDir);
  const close = () => useUi.getState().setBrowserOpen(false);
  // The box shows the listed folder, except while the user is typing in it: a listing that arrives
  // late (the first one on a busy host) must not replace a path typed meanwhile, or Enter would
  // list that folder instead of opening the typed file.
  const [path, setPath] = useState(browser?.dir ?? '');
  const [typing, setTyping] = useState(false);
  const listedDir = browser?.dir ?? '';
  const [shownDir, setShownDir] = useState(listedDir);
  if (listedDir !== shownDir) {
    setShownDir(listedDir);
    if (!typing) setPath(listedDir);
  }
  return (
    <div className="browser-backdrop" onClick={close}>
      <div className="browser" onClick={(e) => e.stopPropagation()} data-testid="file-browser">
        <div className="browser-head">
          <button className="small" disabled={!browser?.parent} onClick={() => browser?.parent && void list(browser.parent)} title="Up">
            ↑
          </button>
          <input
            ref={pathRef}
            className="path"
            value={path}
            onChange={(e) => {
              setTyping(true);
              setPath(e.target.value);
            }}
            onBlur={() => setTyping(false)}
            onKeyDown={(e) => {
              const v = path.trim();
              if (e.key === 'Enter' && v) {
                setTyping(false);
                void openPaths([v]);
              }
            }}
            aria-label="folder or audio file"
            title="A folder to list, or an audio file to open (Enter)"
            data-testid="browser-path"
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
                    <FolderIcon /> {e.name}
                  </button>
                ) : (
                  <button className="link" onClick={() => void openPaths([e.path])} data-testid="browser-file">
                    <NoteIcon /> {e.name}
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
