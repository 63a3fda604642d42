#!/usr/bin/env node
// The `pocketflow-temporal` command: loads the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
