/**
 * Reactions of one store to another's changes. bootstrap() sets them up once; importing a store
 * sets nothing up, so that each store can be loaded (and read) on its own.
 */
import { rebuildSegments } from './actions';
import { useAnalysis } from './stores/analysis';
import { useFile } from './stores/file';
import { useLab } from './stores/lab';
import { useMerge } from './stores/merge';
import { useModels } from './stores/models';

/** Subscribes the links; the returned function undoes them. */
export function linkStores(): () => void {
  const unsubscribe = [
    // A new analysis rebuilds the segments; so do the threshold, label filter and branch while the list is unedited.
    useAnalysis.subscribe((s, prev) => {
      if (s.result !== prev.result) rebuildSegments(s.result !== null);
      else if (s.threshold !== prev.threshold || s.filter !== prev.filter || s.branch !== prev.branch) rebuildSegments(false);
    }),
    // Opening a recording (Open…, the file browser, a menu) shows it: back to the workstation.
    useFile.subscribe((s, prev) => {
      if (s.opening && !prev.opening && useLab.getState().view !== 'workstation') useLab.getState().setView('workstation');
    }),
    // A file opened before the engine was up (hello still answering, a model still loading) has no
    // focused window yet: focus() returns without an engine, so it runs once the engine arrives.
    useModels.subscribe((s, prev) => {
      if (s.engine && !prev.engine && useFile.getState().file && !useMerge.getState().window) useMerge.getState().focus(useMerge.getState().focusS);
    }),
  ];
  return () => unsubscribe.forEach((u) => u());
}
