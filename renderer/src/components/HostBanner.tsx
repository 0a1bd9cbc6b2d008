import { useHostLink } from '../api/use-host-link';

/**
 * How the link to the host stands, when it is not up: restarting (it comes back by itself; the
 * page reconnects with the same token), stopped (given up after repeated crashes: Retry starts it
 * again) or refused (the token is no longer taken: only the URL serve printed helps).
 */
export function HostBanner() {
  const link = useHostLink();
  if (link.state === 'up') return null;
  // serve's close reason already starts "host restarting: …"; the banner says it once.
  const reason = (link.why ?? 'connection lost').replace(/^host restarting:\s*/i, '');
  return (
    <div className={`host-banner ${link.state}`} role="alert" data-testid="host-banner" data-state={link.state}>
      {link.state === 'restarting' && <span>host restarting: {reason}, reconnecting…</span>}
      {link.state === 'stopped' && (
        <>
          <span>The host stopped after repeated crashes{link.why ? `: ${link.why}` : ''}.</span>
          <button className="small" onClick={link.retry} data-testid="host-retry">
            Retry
          </button>
        </>
      )}
      {link.state === 'refused' && <span>{link.why ?? 'The host refused this page; open the URL serve printed.'}</span>}
    </div>
  );
}
