/**
 * The ontology branch filter of the analysis bar: where the model's labels are AudioSet's, show
 * only one branch's labels (Music, Animal, Vehicle …) in the lane, the heatmap and the segments.
 * Models with other labels have no ontology, and no filter to show.
 */
import { useMemo } from 'react';
import { ontologyBranches } from '../../lib/label-filter';
import { useAnalysis } from '../../stores/analysis';
import { useActiveLabels } from './use-labels';

export function BranchFilter() {
  const entries = useActiveLabels();
  const branch = useAnalysis((s) => s.branch);
  const setBranch = useAnalysis((s) => s.setBranch);
  const branches = useMemo(() => (entries?.ontology ? ontologyBranches(entries.labels) : []), [entries]);
  if (branches.length === 0) return null;
  const roots = branches.filter((b) => b.root);
  const rest = branches.filter((b) => !b.root);
  return (
    <label className="group" title="Only the labels under one branch of the AudioSet ontology">
      branch
      <select value={branch ?? ''} onChange={(e) => setBranch(e.target.value || null)} data-testid="branch-filter">
        <option value="">all</option>
        <optgroup label="Top level">
          {roots.map((b) => (
            <option key={b.name} value={b.name}>
              {b.name} ({b.members})
            </option>
          ))}
        </optgroup>
        <optgroup label="Branches">
          {rest.map((b) => (
            <option key={b.name} value={b.name}>
              {b.name} ({b.members})
            </option>
          ))}
        </optgroup>
      </select>
    </label>
  );
}
