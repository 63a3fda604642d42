// The public entries load only what their users need: an in-process run loads no Temporal SDK.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** How many modules of `@temporalio/*` and `openai` (CommonJS or ES) importing `entry` loads, in a fresh process. */
function heavyModulesLoadedBy(entry: string): { temporal: number; worker: number; openai: number } {
  const script = [
    "import { createRequire, register } from 'node:module';",
    "import { pathToFileURL } from 'node:url';",
    "import { MessageChannel } from 'node:worker_threads';",
    'const { port1, port2 } = new MessageChannel();',
    'const urls = [];',
    'port1.on("message", (url) => urls.push(url));',
    `register(${JSON.stringify(pathToFileURL(join(root, 'test/setup/record-imports.mjs')).href)}, { data: { port: port2 }, transferList: [port2] });`,
    `await import(${JSON.stringify(pathToFileURL(join(root, entry)).href)});`,
    'await new Promise((resolve) => setTimeout(resolve, 50));',
    'port1.close();',
    'const loaded = [...Object.keys(createRequire(import.meta.url).cache), ...urls];',
    'console.log(JSON.stringify({',
    "  temporal: loaded.filter((f) => f.includes('/node_modules/@temporalio/')).length,",
    "  worker: loaded.filter((f) => f.includes('/node_modules/@temporalio/worker/')).length,",
    "  openai: loaded.filter((f) => f.includes('/node_modules/openai/')).length,",
    '}));',
  ].join('\n');
  const stdout = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as { temporal: number; worker: number; openai: number };
}

describe('the public entries', () => {
  it('the main entry (in-process runs) loads no part of the Temporal SDK', () => {
    expect(heavyModulesLoadedBy('src/index.ts')).toEqual({ temporal: 0, worker: 0, openai: 0 });
  });

  it('the worker entry loads the Temporal worker, and the client and workflow entries do not', () => {
    expect(heavyModulesLoadedBy('src/worker.ts').worker).toBeGreaterThan(0);
    expect(heavyModulesLoadedBy('src/client.ts')).toMatchObject({ worker: 0, openai: 0 });
    expect(heavyModulesLoadedBy('src/workflow.ts')).toMatchObject({ worker: 0, openai: 0 });
  });

  it('the project file loads neither the worker nor the LLM client until a command needs them', () => {
    expect(heavyModulesLoadedBy('activities/recipe-io.ts').openai).toBeGreaterThan(0);
    expect(heavyModulesLoadedBy('pocketflow.config.ts').openai).toBe(0);
  });
});
