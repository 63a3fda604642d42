// Makes sure a Temporal CLI (the dev server) is installed, in the cache outside the clone.
import { execFileSync } from 'node:child_process';
import { resolveTemporalCli } from '../src/temporal/cli-binary.js';

const binary = resolveTemporalCli((message) => console.log(message));
const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
console.log(`Temporal CLI: ${binary} (${version})`);
