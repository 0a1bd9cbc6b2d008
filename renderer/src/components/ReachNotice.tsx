/**
 * "Outside this model's classes?": under the analysis bar when the file's windows mostly score
 * low, or when the focused window does (lib/reach.ts says what low is for softmax and sigmoid),
 * instead of letting the lane present a guess as a confident label. It names what the model
 * knows, and opens the searchable class list.
 */
import { useMemo } from 'react';
import { reachOf, windowTop } from '../lib/reach';
import { useAnalysis } from '../stores/analysis';
import { useMerge } from '../stores/merge';
import { useModelStore } from '../stores/model-store';
import { useModels } from '../stores/models';

/** Class names quoted in the notice; the list behind the button has them all. */
const QUOTED = 10;

export function ReachNotice() {
  const result = useAnalysis((s) => s.result);
  const running = useAnalysis((s) => s.running);
  const model = useModels((s) => s.active);
  const focusS = useMerge((s) => s.focusS);
  const reach = useMemo(() => (result && model ? reachOf(result.scores, result.starts.length, model.labels, model.multiLabel) : null), [result, model]);
  if (!result || !model || !reach || running || result.classes !== model.labels.length) return null;

  const known = model.labels.slice(0, QUOTED).join(', ') + (model.labels.length > QUOTED ? ', …' : '');
  const kind = model.multiLabel ? 'sigmoid' : 'softmax';
  const pct = (v: number) => `${Math.round(v * 100)} %`;
  let text: string;
  if (reach.mostlyLow) {
    const which = reach.lowWindows === reach.windows ? (reach.windows === 1 ? 'the only window' : `all ${reach.windows} windows`) : `${reach.lowWindows} of ${reach.windows} windows`;
    text = `Outside this model's classes? top score ${pct(reach.bestTop)} at best (${reach.bestLabel}); ${which} under ${pct(reach.line)} (${kind}). ${model.name} knows ${model.classes} classes: ${known}`;
  } else {
    // The file is mostly fine; the window in focus may still not be.
    let w = -1;
    result.starts.forEach((s, i) => {
      if (s <= focusS + 1e-6) w = i;
    });
    if (w < 0) return null;
    const top = windowTop(result.scores, w, model.labels);
    if (top.score >= reach.line) return null;
    text = `This window: top score ${pct(top.score)} (${top.label}), under ${pct(reach.line)} for a ${kind} model: probably none of its ${model.classes} classes.`;
  }
  return (
    <div className="reach-notice" data-testid="reach-notice" role="status">
      <span>{text}</span>
      <button className="small link" onClick={() => useModelStore.getState().setClassesOpen(true)} data-testid="reach-classes">
        see the classes
      </button>
    </div>
  );
}
