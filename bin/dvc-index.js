#!/usr/bin/env node
// Entry point. In a checkout (src/ present and tsx installed) it runs the TypeScript
// sources; in the image, where only dist/ is shipped, it runs the compiled JavaScript.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const src = new URL('../src/cli/index.ts', import.meta.url);
const dist = new URL('../dist/src/cli/index.js', import.meta.url);

let useSource = existsSync(fileURLToPath(src));
if (useSource) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    useSource = false;
  }
}
await import(useSource ? src.href : dist.href);
