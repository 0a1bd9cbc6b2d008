export * from './types.js';
export * from './from-windows.js';
export * from './select.js';
export * from './edit.js';
