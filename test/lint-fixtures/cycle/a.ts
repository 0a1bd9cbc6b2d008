// Imports b.ts, which imports this file: a cycle for test/lint.no-cycle.test.ts.
import { b } from './b.js';

export const a = (): string => 'a' + b.length;
