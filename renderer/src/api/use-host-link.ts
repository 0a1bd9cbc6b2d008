/**
 * How the link to the host stands, for a status display: 'up', 'restarting' (comes back by
 * itself), 'stopped' (the host was given up on: offer `retry`) or 'refused' (wrong token: only
 * the URL serve printed helps). Mount it where the connection dot is shown, e.g.
 *   const link = useHostLink();  … title={link.why} onClick={link.state === 'stopped' ? link.retry : undefined}
 */
import { useCallback, useSyncExternalStore } from 'react';
import { api, type LinkState } from './client';

export interface HostLinkView {
  state: LinkState;
  why?: string;
  retry(): void;
}

const subscribe = (onChange: () => void) => api().onStatus(() => onChange());
const snapshot = () => api().linkState;

export function useHostLink(): HostLinkView {
  const link = useSyncExternalStore(subscribe, snapshot);
  const retry = useCallback(() => {
    api()
      .retryHost()
      .catch((e: Error) => console.error('retry failed', e));
  }, []);
  return { state: link.state, why: link.why, retry };
}
