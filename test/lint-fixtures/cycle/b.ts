// Imports a.ts, which imports this file: a cycle for test/lint.no-cycle.test.ts.
import { a } from './a.js';

export const b = 'b';
export const callsA = (): string => a();
