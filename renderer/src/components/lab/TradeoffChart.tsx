import { forwardRef, useMemo } from 'react';
import type { LabResult } from '../../../../app/contract';
import { useElementSize } from '../../lib/hooks';
import { useLab } from '../../stores/lab';
import { chartModel, domains, fixed, pct, settingText, speedupText, tickText, type ChartPoint } from './chart';
import { UI_FONT } from '../../lib/font';

/** Drawn with attributes only (no stylesheet), so the SVG file looks as it does here. */
const BG = '#141821';
const GRID = '#262d3b';
const AXIS = '#3a4356';
const TEXT = '#dfe5f1';
const MUTED = '#8d97ab';
// top: the legend, and room for the r labels of points at 100 % (drawn above their point).
const M = { left: 58, right: 20, top: 62, bottom: 44 };
/** Height of a legend row; a wrapped legend pushes the plot down by this much per extra row. */
const LEGEND_ROW = 17;

interface Props {
  result: LabResult;
  /** Index of the row that is the workstation's current setting, or -1. */
  current: number;
  title: string;
}

/**
 * Accuracy (or mAP) against throughput, one curve per model × weights (and per shape / prop-attn
 * flag when the sweep has several: same colour, another dash — int8 dashed — or hollow points). Hover a point for its
 * numbers; click it to select its row. The workstation's current setting is ringed.
 */
export const TradeoffChart = forwardRef<SVGSVGElement, Props>(function TradeoffChart({ result, current, title }, svgRef) {
  const [boxRef, size] = useElementSize<HTMLDivElement>();
  const hover = useLab((s) => s.hover);
  const selected = useLab((s) => s.selected);
  const setHover = useLab((s) => s.setHover);
  const select = useLab((s) => s.select);
  const model = useMemo(() => chartModel(result), [result]);
  const all = useMemo(() => model.series.flatMap((s) => s.points), [model]);
  const W = Math.max(320, Math.floor(size.width));
  const H = Math.max(240, Math.floor(size.height));
  const { x: xd, y: yd } = useMemo(() => domains(all.length ? all : [{ row: 0, x: 1, y: 50, yLow: 50, yHigh: 50, xLow: 1, xHigh: 1 }]), [all]);
  const pointOf = (row: number): ChartPoint | undefined => all.find((p) => p.row === row);
  const hovered = hover !== null ? pointOf(hover) : undefined;
  const cur = current >= 0 ? pointOf(current) : undefined;

  // Legend: models (colour), then line styles when there are several, then the current-setting ring.
  const legend: { label: string; colour: string; dash: string; hollow?: boolean; ring?: boolean; whisker?: boolean }[] = [
    ...model.models.map((m) => ({ label: m.id, colour: m.colour, dash: '' })),
    ...model.styles.map((s) => ({ label: s.label, colour: MUTED, dash: s.dash, hollow: !s.propAttn })),
    ...(cur ? [{ label: 'current setting', colour: TEXT, dash: '', ring: true }] : []),
    { label: '95 % intervals', colour: MUTED, dash: '', whisker: true },
  ];
  // Items flow left to right and wrap onto another row rather than run off a narrow chart (1024 wide).
  let lx = M.left;
  let row = 0;
  const legendItems = legend.map((item) => {
    const w = 34 + item.label.length * 6.3 + 16;
    if (lx > M.left && lx + w - 16 > W - M.right) {
      lx = M.left;
      row++;
    }
    const x = lx;
    lx += w;
    return { ...item, x, y: 34 + row * LEGEND_ROW };
  });
  const top = M.top + row * LEGEND_ROW;
  const pw = W - M.left - M.right;
  const ph = H - top - M.bottom;
  const sx = (v: number) => M.left + ((v - xd.lo) / (xd.hi - xd.lo)) * pw;
  const sy = (v: number) => top + ph - ((v - yd.lo) / (yd.hi - yd.lo)) * ph;

  return (
    <div className="lab-chart-box" ref={boxRef} data-testid="lab-chart">
      {size.width > 0 && (
        <svg
          ref={svgRef}
          width={W}
          height={H}
          viewBox={`0 0 ${W} ${H}`}
          fontFamily={UI_FONT}
          fontSize={11}
          role="img"
          aria-label={`${model.metric} against throughput`}
          onMouseLeave={() => setHover(null)}
        >
          <rect x={0} y={0} width={W} height={H} fill={BG} />
          <text x={M.left} y={17} fill={TEXT} fontSize={12.5} fontWeight={600}>
            {title}
          </text>
          {/* legend */}
          <g data-testid="chart-legend">
            {legendItems.map((item) => (
              <g key={item.label} transform={`translate(${item.x}, ${item.y})`}>
                {item.ring ? (
                  <circle cx={14} cy={0} r={6} fill="none" stroke={item.colour} strokeWidth={1.6} strokeDasharray="3 2" />
                ) : item.whisker ? (
                  <Whiskers cx={14} cy={0} x0={4} x1={24} y0={-7} y1={7} colour={item.colour} />
                ) : (
                  <>
                    <line x1={0} x2={28} y1={0} y2={0} stroke={item.colour} strokeWidth={2} strokeDasharray={item.dash || undefined} />
                    <circle cx={14} cy={0} r={3.6} fill={item.hollow ? BG : item.colour} stroke={item.colour} strokeWidth={1.6} />
                  </>
                )}
                <text x={34} y={4} fill={TEXT}>
                  {item.label}
                </text>
              </g>
            ))}
          </g>
          {/* grid and axes */}
          {yd.ticks.map((t) => (
            <g key={`y${t}`}>
              <line x1={M.left} x2={M.left + pw} y1={sy(t)} y2={sy(t)} stroke={GRID} />
              <text x={M.left - 7} y={sy(t) + 4} fill={MUTED} textAnchor="end">
                {tickText(t, yd.step)}
              </text>
            </g>
          ))}
          {xd.ticks.map((t) => (
            <g key={`x${t}`}>
              <line x1={sx(t)} x2={sx(t)} y1={top} y2={top + ph} stroke={GRID} />
              <text x={sx(t)} y={top + ph + 16} fill={MUTED} textAnchor="middle">
                {tickText(t, xd.step)}
              </text>
            </g>
          ))}
          <rect x={M.left} y={top} width={pw} height={ph} fill="none" stroke={AXIS} />
          <text x={M.left + pw / 2} y={H - 8} fill={MUTED} textAnchor="middle">
            throughput (clips/s on this machine, {result.models[0]?.ep ?? '?'} EP) →
          </text>
          <text transform={`translate(15, ${top + ph / 2}) rotate(-90)`} fill={MUTED} textAnchor="middle">
            {model.metric} (%) →
          </text>
          {/* 95 % intervals under the curves: accuracy (Wilson) up and down, clips/s (bootstrap) left and right */}
          {model.series.map((s) => (
            <g key={`w${s.key}`} data-testid="chart-whiskers" data-model={s.model}>
              {s.points.map((p) => (
                <Whiskers
                  key={p.row}
                  cx={sx(p.x)}
                  cy={sy(p.y)}
                  x0={sx(p.xLow)}
                  x1={sx(p.xHigh)}
                  y0={sy(p.yHigh)}
                  y1={sy(p.yLow)}
                  colour={s.colour}
                  row={p.row}
                />
              ))}
            </g>
          ))}
          {/* curves */}
          {model.series.map((s) => (
            <g key={s.key} data-testid="chart-curve" data-model={s.model} data-weights={s.weights}>
              <polyline
                points={s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')}
                fill="none"
                stroke={s.colour}
                strokeWidth={2}
                strokeDasharray={s.dash || undefined}
                strokeLinejoin="round"
              />
              {s.points.map((p) => {
                const row = result.rows[p.row];
                const on = p.row === selected;
                return (
                  <g key={p.row}>
                    <circle
                      cx={sx(p.x)}
                      cy={sy(p.y)}
                      r={on ? 5.5 : 4.2}
                      fill={s.propAttn ? s.colour : BG}
                      stroke={on ? '#ffffff' : s.colour}
                      strokeWidth={on ? 2 : 1.6}
                      data-testid="chart-point"
                      data-model={s.model}
                      data-weights={s.weights}
                      data-r={row.setting.r}
                    />
                    <text x={sx(p.x) + 9} y={sy(p.y) - 9} fill={s.colour} fontSize={10}>
                      r{row.setting.r}
                    </text>
                  </g>
                );
              })}
            </g>
          ))}
          {cur && (
            <g data-testid="chart-current">
              <circle cx={sx(cur.x)} cy={sy(cur.y)} r={10} fill="none" stroke={TEXT} strokeWidth={1.6} strokeDasharray="3 2" />
            </g>
          )}
          {/* hit targets (not exported) */}
          <g data-export="skip">
            {all.map((p) => (
              <circle
                key={p.row}
                cx={sx(p.x)}
                cy={sy(p.y)}
                r={10}
                fill="#000"
                fillOpacity={0}
                style={{ cursor: 'pointer' }}
                onMouseEnter={() => setHover(p.row)}
                onMouseLeave={() => setHover(null)}
                onClick={() => select(p.row)}
                data-testid="chart-hit"
                data-row={p.row}
              />
            ))}
          </g>
        </svg>
      )}
      {hovered && <Tooltip result={result} point={hovered} left={sx(hovered.x)} top={sy(hovered.y)} width={W} />}
      {model.unplaced.length > 0 && (
        <div className="lab-chart-note muted">
          {model.unplaced.length} setting{model.unplaced.length > 1 ? 's have' : ' has'} no timing and {model.unplaced.length > 1 ? 'are' : 'is'} not drawn
        </div>
      )}
    </div>
  );
});

/** A point's 95 % intervals as whiskers with end caps: vertical y0…y1, horizontal x0…x1 (pixels). */
function Whiskers({ cx, cy, x0, x1, y0, y1, colour, row }: { cx: number; cy: number; x0: number; x1: number; y0: number; y1: number; colour: string; row?: number }) {
  const cap = 3.5;
  return (
    <g stroke={colour} strokeOpacity={0.7} strokeWidth={1.3} data-testid={row === undefined ? undefined : 'chart-whisker'} data-row={row} data-y0={y0.toFixed(1)} data-y1={y1.toFixed(1)}>
      <line x1={cx} x2={cx} y1={y0} y2={y1} />
      <line x1={cx - cap} x2={cx + cap} y1={y0} y2={y0} />
      <line x1={cx - cap} x2={cx + cap} y1={y1} y2={y1} />
      <line x1={x0} x2={x1} y1={cy} y2={cy} />
      <line x1={x0} x2={x0} y1={cy - cap} y2={cy + cap} />
      <line x1={x1} x2={x1} y1={cy - cap} y2={cy + cap} />
    </g>
  );
}

function Tooltip({ result, point, left, top, width }: { result: LabResult; point: ChartPoint; left: number; top: number; width: number }) {
  const row = result.rows[point.row];
  const flip = left > width - 240;
  return (
    <div className="lab-tip" style={{ left: flip ? left - 14 : left + 14, top: top + 10, transform: flip ? 'translateX(-100%)' : undefined }} data-testid="chart-tooltip">
      <b>{row.model}</b>
      <div className="muted">{settingText(row)}</div>
      <table>
        <tbody>
          <tr>
            <td>{row.metric}</td>
            <td>
              {pct(row.score)}
              {row.metric === 'accuracy' ? ` (${row.correct}/${row.clips}; 95 % ${pct(row.accuracyLow, 1)}–${pct(row.accuracyHigh, 1)})` : ''}
            </td>
          </tr>
          <tr>
            <td>agreement</td>
            <td>
              {pct(row.agreement, 1)} ({row.changedTotal} changed)
            </td>
          </tr>
          <tr>
            <td>throughput</td>
            <td>
              {fixed(row.timing?.clipsPerS)} clips/s ({fixed(row.timing?.clipsPerSLow)}–{fixed(row.timing?.clipsPerSHigh)}) · {fixed(row.timing?.msPerClip)} ms/clip
              {row.timing?.fromCache ? ' (cached)' : ''}
            </td>
          </tr>
          {row.timing?.speedup && (
            <tr>
              {/* As in the table: with int8 rows in the sweep the reference is named. */}
              <td>vs {result.rows.some((r) => r.setting.weights === 'int8') ? 'float32 ' : ''}r = 0</td>
              <td>
                {speedupText(row.timing.speedup)}
              </td>
            </tr>
          )}
          <tr>
            <td>tokens after last</td>
            <td>{row.tokensAfterLast}</td>
          </tr>
          <tr>
            <td>GFLOPs / window</td>
            <td>
              {fixed(row.flops / 1e9, 2)}
              {row.flopsRatio > 1.005 ? ` (r = 0 needs ${fixed(row.flopsRatio, 2)}×)` : ''}
            </td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}
