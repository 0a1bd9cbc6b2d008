import type { ModelInfo, WindowInput } from '../../../app/contract';
import { framesToSeconds } from '../../../app/common/units';
import { formatMargin, marginWord } from '../lib/color';
import { cellBins, cellFrames, type Grid, type LayerGroups } from '../lib/merge-groups';
import { hzAt } from '../lib/mel';

/** The card over the merge view for the hovered patch: its token, where it lies, and the merges that formed it. */
export function MergeHoverCard(props: { hover: { p: number; x: number; y: number }; groups: LayerGroups; grid: Grid; win: WindowInput; layer: number; boxW: number; plotH: number; model: ModelInfo }) {
  const { hover, groups, grid, win, layer, boxW, model } = props;
  const k = groups.group[hover.p];
  const members = groups.members.get(k) ?? [];
  const row = Math.floor(hover.p / grid.T);
  const col = hover.p % grid.T;
  let tMin = Infinity;
  let tMax = -Infinity;
  let fMin = Infinity;
  let fMax = -Infinity;
  for (const p of members) {
    const [t0, t1] = cellFrames(grid, p % grid.T);
    const [b0, b1] = cellBins(grid, Math.floor(p / grid.T));
    tMin = Math.min(tMin, t0);
    tMax = Math.max(tMax, t1);
    fMin = Math.min(fMin, b0);
    fMax = Math.max(fMax, b1);
  }
  const hz = (b: number) => Math.round(hzAt(win.melEdgesHz, b / grid.bins));
  // Merges that formed this token, grouped by layer and similarity.
  const merges = new Map<string, { layer: number; score: number; margin: number; n: number }>();
  for (const p of members) {
    const s = groups.lastScore[p];
    if (!Number.isFinite(s)) continue;
    const key = `${groups.lastLayer[p]}|${s.toFixed(6)}`;
    const m = merges.get(key) ?? { layer: groups.lastLayer[p], score: s, margin: groups.lastMargin[p], n: 0 };
    m.n++;
    merges.set(key, m);
  }
  const list = [...merges.values()].sort((a, b) => a.layer - b.layer || b.score - a.score).slice(0, 8);
  const sp = groups.special.get(k);
  const padded = members.every((p) => cellFrames(grid, p % grid.T)[0] >= win.validFrames);
  // The card sits in the top corner away from the cursor, so it hides as little of the group as it can.
  const left = hover.x < boxW / 2 ? Math.max(0, boxW - 340) : 56;
  const own = groups.lastScore[hover.p];
  return (
    <div className="hover-card" style={{ left, top: 12 }} data-testid="hover-card">
      <div>
        <b>
          patch {hover.p} (row {row}, col {col})
        </b>
        {layer > 0 ? (
          <>
            {' '}
            → token {k} after layer {layer}
          </>
        ) : (
          ' · model input'
        )}
      </div>
      <div className="muted">
        {members.length} patch{members.length === 1 ? '' : 'es'} · {(win.startS + framesToSeconds(tMin)).toFixed(2)}–{(win.startS + framesToSeconds(tMax)).toFixed(2)} s · {hz(fMin)}–{hz(fMax)} Hz
        {sp === 'dist' ? ' · merged into the distillation token' : sp === 'cls' ? ' · merged into the class token' : ''}
        {padded ? ' · padding only' : ''}
      </div>
      {layer > 0 && (
        <div>
          this patch:{' '}
          {Number.isFinite(own)
            ? `joined at layer ${groups.lastLayer[hover.p]}, similarity ${own.toFixed(5)}, margin ${formatMargin(groups.lastMargin[hover.p])}`
            : 'never the source of a merge (● in the view)'}
        </div>
      )}
      {layer > 0 && (
        <div data-testid="hover-margin">
          token's decisions: smallest margin <b>{formatMargin(groups.groupMargin[hover.p])}</b> <span className="muted">({marginWord(groups.groupMargin[hover.p])})</span>
        </div>
      )}
      {list.length > 0 && (
        <table className="merges">
          <tbody>
            {list.map((m) => (
              <tr key={`${m.layer}|${m.score}`}>
                <td>layer {m.layer}</td>
                <td>sim {m.score.toFixed(5)}</td>
                <td className="muted">margin {formatMargin(m.margin)}</td>
                <td className="muted">
                  {m.n} patch{m.n === 1 ? '' : 'es'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {merges.size > list.length && <div className="muted">… {merges.size - list.length} more merges</div>}
      {layer === 0 && <div className="muted">scrub to a layer to see the groups; {model.numTokens} tokens enter layer 1</div>}
    </div>
  );
}
