/** A sweep's rows as the contract sends them (app/analysis/sweep's SweepRow is the contract's LabRow less the count). */
import type { LabRow } from '../../app/contract/index.js';
import type { SweepRow } from '../../app/analysis/sweep.js';

/** Changed clips sent per row (the count of all is sent too): a large set must not make a huge frame. */
export const LAB_MAX_CHANGED = 2000;

/** A sweep row as sent: the same fields, the changed clips capped at LAB_MAX_CHANGED. */
export function rowWire(row: SweepRow): LabRow {
  return { ...row, changed: row.changed.slice(0, LAB_MAX_CHANGED), changedTotal: row.changed.length };
}
