#!/usr/bin/env node
// Runs the bundle `pnpm install` builds (dist/, see scripts/build.js), else the TypeScript sources.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/destination-postgres.mjs', import.meta.url);
await import(process.env.SYNC_FROM_SOURCE !== '1' && existsSync(bundle) ? bundle.href : '../src/main.ts');
