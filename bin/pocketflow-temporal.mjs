#!/usr/bin/env node
// The `pocketflow-temporal` command. Installed from the package, it runs the compiled command line
// in dist/. In a checkout of the project's own repository (its sources beside this folder), it
// runs those sources through tsx instead, so that what runs is always what the sources say.
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import('../dist/src/cli/main.js');
}
