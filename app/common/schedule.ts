// Merge schedule shapes, named once for the engine, the CLI, the contract and the UI. No imports.

/** constant: r in every layer; decreasing: 2r at the first layer down to 0; increasing: 0 up to 2r. */
export const SCHEDULE_SHAPES = ['constant', 'decreasing', 'increasing'] as const;
export type ScheduleShape = (typeof SCHEDULE_SHAPES)[number];
