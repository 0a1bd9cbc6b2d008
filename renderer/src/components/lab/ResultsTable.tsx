import { useEffect, useRef } from 'react';
import type { LabResult } from '../../../../app/contract';
import { useLab } from '../../stores/lab';
import { colourOf, fixed, metricName, pct, settingText, shortNames, speedupText } from './chart';
import './lab-table.css';

/** One row per model × setting; click a row to see its confusions. */
export function ResultsTable({ result, current }: { result: LabResult; current: number }) {
  const selected = useLab((s) => s.selected);
  const hover = useLab((s) => s.hover);
  const select = useLab((s) => s.select);
  const setHover = useLab((s) => s.setHover);
  const names = shortNames(result.models.map((m) => m.id));
  // With int8 rows the reference needs naming: every row is against the float32 model at r = 0.
  const int8 = result.rows.some((r) => r.setting.weights === 'int8');
  const metric = metricName(result);
  const bodyRef = useRef<HTMLTableSectionElement>(null);

  useEffect(() => {
    if (selected === null) return;
    bodyRef.current?.querySelector(`[data-row="${selected}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  return (
    <div className="lab-table-box">
      <table className="lab-table" data-testid="lab-table">
        <thead>
          <tr>
            <th>model</th>
            <th className="num">r</th>
            <th className="opt">shape</th>
            <th className="opt" title="proportional attention">
              prop attn
            </th>
            <th className="num" title="with its 95 % interval under it (Wilson score interval for accuracy: 9 of 10 clips is 60–98 %, not just 90 %)">
              {metric}
            </th>
            <th className="num" title="share of clips whose top-1 equals the same model's at r = 0 with float32 weights (same flags)">agreement</th>
            <th className="num" title="clips per second, inference only, median over the sweep's runs on this machine; under it the 95 % bootstrap interval">
              clips/s
            </th>
            <th className="num opt wide">ms/clip</th>
            <th className="num opt wide" title="tokens left after the last layer">tokens</th>
            <th className="num opt" title="forward-pass GFLOPs per window">GFLOPs</th>
            <th className="num" title="float32 r = 0 ms ÷ this ms, paired per clip (both settings run back to back on each clip): median, and under it the interquartile range and the number of pairs">
              vs {int8 ? 'f32 ' : ''}r = 0
            </th>
          </tr>
        </thead>
        <tbody ref={bodyRef}>
          {result.rows.map((row, i) => (
            <tr
              key={i}
              data-row={i}
              data-testid="lab-row"
              data-model={row.model}
              data-r={row.setting.r}
              data-weights={row.setting.weights ?? 'float32'}
              data-score={row.score}
              data-changed={row.changedTotal}
              className={`${i === selected ? 'on' : ''} ${i === hover ? 'hover' : ''}`}
              onClick={() => select(i)}
              onMouseEnter={() => setHover(i)}
              onMouseLeave={() => setHover(null)}
            >
              <td className="model" title={`${row.model} · ${row.ep} · sha256 ${row.modelSha256.slice(0, 12)}…`}>
                <span className="swatch" style={{ background: colourOf(result, row.model) }} />
                {names.get(row.model)}
                {row.setting.weights === 'int8' && (
                  <span className="weights-tag" title="8-bit Linear weights; agreement and speed-up are against the float32 model at r = 0" data-testid="lab-row-int8">
                    int8
                  </span>
                )}
                {i === current && (
                  <span className="current-tag" title="the workstation's current model and merge setting">
                    current
                  </span>
                )}
              </td>
              <td className="num" title={settingText(row)}>
                {row.setting.r}
              </td>
              <td className="opt">{row.setting.shape}</td>
              <td className="opt">{row.setting.propAttn ? 'on' : 'off'}</td>
              <td className="num strong" title={row.metric === 'accuracy' ? `${row.correct} of ${row.clips} clips; 95 % Wilson interval ${pct(row.accuracyLow, 1)}–${pct(row.accuracyHigh, 1)}` : `mean AP over ${row.perClass.length} classes`}>
                {pct(row.score)}
                {row.metric === 'accuracy' && (
                  <span className="ci" data-testid="lab-accuracy-ci">
                    {(row.accuracyLow * 100).toFixed(1)}–{(row.accuracyHigh * 100).toFixed(1)}
                  </span>
                )}
              </td>
              <td className={`num ${row.changedTotal ? 'warn' : ''}`} title={`${row.changedTotal} clip${row.changedTotal === 1 ? '' : 's'} changed top-1`}>
                {pct(row.agreement, 1)}
              </td>
              <td className="num" title={row.timing ? `${row.timing.samples} runs, measured ${row.timing.measuredAt}${row.timing.fromCache ? ' (from the cache)' : ''}` : 'no timing'}>
                {fixed(row.timing?.clipsPerS)}
                {row.timing?.fromCache ? <sup>c</sup> : null}
                {row.timing && (
                  <span className="ci" data-testid="lab-clips-ci">
                    {fixed(row.timing.clipsPerSLow)}–{fixed(row.timing.clipsPerSHigh)}
                  </span>
                )}
              </td>
              <td className="num opt wide">{fixed(row.timing?.msPerClip)}</td>
              <td className="num opt wide">{row.tokensAfterLast}</td>
              <td className="num opt">{fixed(row.flops / 1e9, 2)}</td>
              <td className="num" title={row.timing?.speedup ? speedupText(row.timing.speedup) : 'not timed against r = 0 in this sweep (from the cache)'}>
                {row.timing?.speedup ? (
                  <>
                    {row.timing.speedup.median.toFixed(2)}×
                    <span className="ci">
                      {row.timing.speedup.q1.toFixed(2)}–{row.timing.speedup.q3.toFixed(2)} · {row.timing.speedup.pairs}
                    </span>
                  </>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
