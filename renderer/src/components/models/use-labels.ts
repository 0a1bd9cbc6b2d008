/**
 * The active model's labels with their ontology (loaded once per model through the model
 * store), and the label mask the lane, the heatmap and the segments share: the analysis bar's
 * text filter and its ontology branch together.
 */
import { useEffect, useMemo } from 'react';
import { allowedLabels, branchMembers } from '../../lib/label-filter';
import { useAnalysis } from '../../stores/analysis';
import { useModelStore, type ModelLabels } from '../../stores/model-store';
import { useModels } from '../../stores/models';

/** The active model's label entries (null while they load, or with no model). */
export function useActiveLabels(): ModelLabels | null {
  const id = useModels((s) => s.active?.id ?? null);
  const labels = useModelStore((s) => (id ? s.labels[id] : undefined));
  useEffect(() => {
    if (id && !labels) void useModelStore.getState().loadLabels(id);
  }, [id, labels]);
  return labels ?? null;
}

/** Per label of `labels`: shown under the text filter and the chosen ontology branch. */
export function useLabelMask(labels: readonly string[], filter: string): boolean[] {
  const entries = useActiveLabels();
  const branch = useAnalysis((s) => s.branch);
  const members = useMemo(() => branchMembers(entries?.labels ?? [], branch), [entries, branch]);
  return useMemo(() => allowedLabels(labels, filter, members), [labels, filter, members]);
}
