#!/usr/bin/env node
// `npx fastast ...`: runs the TypeScript CLI without a build step. tsx's ESM hooks compile
// app/ on the fly (and map the .js import specifiers of NodeNext sources to their .ts files).
import { register } from 'tsx/esm/api';

register();
const { runAsProcess } = await import('../app/cli/main.ts');
await runAsProcess(process.argv.slice(2));
