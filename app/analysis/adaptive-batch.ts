/**
 * Batch sizes for work that shares the engine with interactive runs (the workstation's
 * analysis): a window run queued behind a batch waits for all of it, so a batch may only grow
 * while it stays within a time budget. Larger batches still pay (fewer per-run costs of the
 * merge's small kernels), so the size starts at 1 and doubles while the measured time per
 * window says the doubled batch fits; one slow batch (a busier machine) cuts it at once to
 * what fits.
 */
import type { BatchSizer } from './run-windows.js';

export interface BatchLimits {
  /** Longest a batch should take (ms). */
  budgetMs: number;
  /** Most windows per batch (defaultBatchSize for the model and EP). */
  max: number;
}

/** The next batch's size after `size` windows took `ms`: at most double, as many as fit the budget at that pace, never below 1. */
export function nextBatchSize(size: number, ms: number, limits: BatchLimits): number {
  const max = Math.max(1, Math.floor(limits.max));
  const perWindow = ms / Math.max(1, size);
  // A batch timed at 0 ms (or NaN) says nothing about its pace: grow by doubling only.
  const fits = perWindow > 0 ? Math.floor(limits.budgetMs / perWindow) : max;
  return Math.max(1, Math.min(max, 2 * Math.max(1, size), fits));
}

/** A BatchSizer for runWindows: 1 first, then nextBatchSize after each batch's own engine time. */
export function adaptiveBatch(limits: BatchLimits): BatchSizer {
  return (previous) => (previous ? nextBatchSize(previous.windows, previous.ms, limits) : 1);
}
