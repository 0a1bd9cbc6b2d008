import { useSegments } from '../stores/segments';
import { useUi } from '../stores/ui';

/** Switches the lower half between the merge view and the segments table (sits where a panel title would). */
export function LowerTabs() {
  const tab = useUi((s) => s.lowerTab);
  const n = useSegments((s) => s.edit.segments.length);
  const set = useUi((s) => s.setLowerTab);
  return (
    <span className="segmented lower-tabs" role="tablist">
      <button role="tab" aria-selected={tab === 'merge'} className={tab === 'merge' ? 'on' : ''} onClick={() => set('merge')} data-testid="tab-merge" title="The focused window's token groups, layer by layer">
        Merge view
      </button>
      <button role="tab" aria-selected={tab === 'segments'} className={tab === 'segments' ? 'on' : ''} onClick={() => set('segments')} data-testid="tab-segments" title="Review, edit and export the labelled segments">
        Segments <span className="count">{n}</span>
      </button>
    </span>
  );
}
