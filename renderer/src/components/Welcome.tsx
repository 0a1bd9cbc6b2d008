import { useEffect } from 'react';
import { openPaths, pickAndOpen, restoreLastSession } from '../actions';
import { refreshRecent } from '../session';
import { useFile } from '../stores/file';
import { useSession } from '../stores/session';

/**
 * No file open: open one, restore the last session, pick a recent file (with what was saved
 * for it; one that is gone is greyed out), or a demo clip.
 */
export function Welcome() {
  const last = useSession((s) => s.last);
  const recent = useSession((s) => s.recent);
  const opening = useFile((s) => s.opening);
  useEffect(() => void refreshRecent(), []);
  const gone = new Set(recent.filter((r) => !r.exists).map((r) => r.path));
  const restorable = (last?.openFiles ?? []).filter((p) => !gone.has(p));
  return (
    <main className="empty">
      <div className="empty-card" data-testid="welcome">
        <h1>FastAST Studio</h1>
        <p>See which spectrogram patches an Audio Spectrogram Transformer merges, and what it costs.</p>
        <div className="welcome-actions">
          <button className="primary" onClick={pickAndOpen} data-testid="empty-open">
            Open an audio file…
          </button>
          {restorable.length > 0 && (
            <button onClick={() => void restoreLastSession()} disabled={!!opening} data-testid="restore-session" title={restorable.join('\n')}>
              Restore last session ({restorable.length} file{restorable.length === 1 ? '' : 's'})
            </button>
          )}
        </div>
        {recent.length > 0 && (
          <div className="empty-list recent-list">
            <div className="muted">Recent files:</div>
            <ul>
              {recent.map((r) => (
                <li key={r.path} className={r.exists ? '' : 'missing'} data-testid="recent-file" data-exists={r.exists}>
                  <button className="link" onClick={() => void openPaths([r.path])} disabled={!r.exists || !!opening} title={r.exists ? r.path : `${r.path} (no longer there)`}>
                    {r.name}
                  </button>
                  <span className="muted small-text" data-testid="recent-counts">
                    {' '}
                    {r.segments} segment{r.segments === 1 ? '' : 's'} · {r.reviewed} reviewed{r.exists ? '' : ' · missing'}
                  </span>
                </li>
              ))}
            </ul>
          </div>
        )}
        <DemoList />
      </div>
    </main>
  );
}

function DemoList() {
  const browser = useFile((s) => s.browser);
  const opening = useFile((s) => s.opening);
  if (!browser) return null;
  const audio = browser.entries.filter((e) => e.kind === 'audio');
  if (audio.length === 0) return null;
  return (
    <div className="empty-list">
      <div className="muted">In {browser.dir}:</div>
      <ul>
        {audio.slice(0, 12).map((e) => (
          <li key={e.path}>
            <button className="link" onClick={() => void openPaths([e.path])} disabled={!!opening} data-testid="demo-file">
              {e.name}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** "The file changed since — restore its segments anyway?" (file.state.get said `changed`). */
export function RestoreQuestion() {
  const q = useSession((s) => s.question);
  if (!q) return null;
  const name = q.path.split(/[\\/]/).pop() ?? q.path;
  const reviewed = q.state.segments.filter((s) => s.review === 'accepted' || s.review === 'rejected').length;
  return (
    <div className="browser-backdrop">
      <div className="dialog" data-testid="restore-question" role="alertdialog" aria-label="Restore saved segments">
        <div className="dialog-head">
          <span className="panel-title">{name} changed</span>
        </div>
        <div className="dialog-body">
          <p>
            The file changed since its work was saved ({new Date(q.state.savedAt).toLocaleString()}): {q.state.segments.length} segments, {reviewed} reviewed. Restore its segments anyway? Their times may no longer
            match the audio.
          </p>
        </div>
        <div className="dialog-foot">
          <button onClick={() => q.answer(false)} data-testid="restore-no">
            Start afresh
          </button>
          <button className="primary" onClick={() => q.answer(true)} data-testid="restore-yes">
            Restore
          </button>
        </div>
      </div>
    </div>
  );
}
