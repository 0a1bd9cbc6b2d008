/**
 * Downloads from the Hugging Face hub into its cache (Python's layout, so transformers finds
 * them too): one click for the two MIT ASTs people study, a field for any other AST repo, and
 * per download a bar with bytes, rate and time left, and Cancel (what arrived stays for a resume).
 */
import { useState } from 'react';
import { formatBytes, formatEta, useModelStore, type Pull } from '../../stores/model-store';

/** The one-click entries: the AudioSet AST and the Speech Commands AST. */
export const KNOWN_REPOS = [
  { repoId: 'MIT/ast-finetuned-audioset-10-10-0.4593', what: 'AudioSet: 527 classes, sigmoid, 10.24 s windows, 86.6 M parameters (~350 MB)' },
  { repoId: 'MIT/ast-finetuned-speech-commands-v2', what: 'Speech Commands v2: 35 words, 1.28 s windows, 85 M parameters (~340 MB)' },
] as const;

const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

export function HubDownloads() {
  const pulls = useModelStore((s) => s.pulls);
  const models = useModelStore((s) => s.models);
  const [other, setOther] = useState('');
  const [revision, setRevision] = useState('');
  const otherOk = REPO_ID.test(other.trim());
  const installed = (repoId: string) => models.some((m) => m.hub?.repoId === repoId);
  const otherPulls = Object.keys(pulls).filter((r) => !KNOWN_REPOS.some((k) => k.repoId === r));
  return (
    <section className="panel models-hub" data-testid="models-hub">
      <div className="panel-title">Download from the Hugging Face hub</div>
      {KNOWN_REPOS.map((k) => (
        <div key={k.repoId} className="hub-entry" data-testid="hub-entry" data-repo={k.repoId}>
          <div className="hub-entry-head">
            <b>{k.repoId}</b>
            <span className="grow" />
            {!pulls[k.repoId] &&
              (installed(k.repoId) ? (
                <span className="ok-text small-text">in the hub cache</span>
              ) : (
                <button className="small primary" onClick={() => void useModelStore.getState().pull(k.repoId)} data-testid="hub-download">
                  Download
                </button>
              ))}
          </div>
          <div className="muted small-text">{k.what}</div>
          {pulls[k.repoId] && <PullBar repoId={k.repoId} pull={pulls[k.repoId]} />}
        </div>
      ))}
      <form
        className="hub-other"
        onSubmit={(e) => {
          e.preventDefault();
          if (otherOk) void useModelStore.getState().pull(other.trim(), revision.trim() || undefined);
        }}
      >
        <label>
          Pull other repo…
          <input type="text" placeholder="ORG/NAME" value={other} onChange={(e) => setOther(e.target.value)} data-testid="hub-other-repo" spellCheck={false} />
        </label>
        <input type="text" className="rev" placeholder="revision (main)" value={revision} onChange={(e) => setRevision(e.target.value)} spellCheck={false} />
        <button className="small" type="submit" disabled={!otherOk || !!pulls[other.trim()]} data-testid="hub-other-pull">
          Pull
        </button>
      </form>
      {otherPulls.map((r) => (
        <div key={r} className="hub-entry">
          <b>{r}</b>
          <PullBar repoId={r} pull={pulls[r]} />
        </div>
      ))}
      <div className="muted small-text">The host&apos;s HF_ENDPOINT, HF_TOKEN (gated or private repos) and HF_HUB_OFFLINE apply.</div>
    </section>
  );
}

function PullBar({ repoId, pull }: { repoId: string; pull: Pull }) {
  const p = pull.progress;
  const share = p && p.totalBytes > 0 ? p.bytes / p.totalBytes : 0;
  return (
    <div className="pull-bar" data-testid="pull-progress">
      {pull.error ? (
        <span className="bad-text">{pull.error}</span>
      ) : (
        <>
          <progress max={1} value={share} />
          <span className="small-text">
            {p ? (
              <>
                {Math.floor(share * 100)} % · {formatBytes(p.bytes)} of {formatBytes(p.totalBytes)} · {formatBytes(p.bytesPerSecond)}/s · {formatEta(p.etaSeconds)} left
                <span className="muted"> · {p.file}</span>
              </>
            ) : (
              'asking the hub…'
            )}
          </span>
        </>
      )}
      <button className="small" onClick={() => useModelStore.getState().cancelPull(repoId)} data-testid="pull-cancel">
        {pull.error ? 'Dismiss' : 'Cancel'}
      </button>
    </div>
  );
}
