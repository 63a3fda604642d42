/**
 * `init <dir>`: writes a new project with the Recipe Finder's shape (workflows/, activities/,
 * workers/, pocketflow.config.ts, tests in-process and on a dev server, a README), from the
 * template the package ships, depending on this version of the library.
 */
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PocketFlowError } from '../../core/index.js';
import { type CliContext, UsageError } from '../context.js';

interface PackageJson {
  name: string;
  version: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** This package's folder and its package.json: the nearest folder above this module whose package.json is pocketflow-temporal's. */
function ownPackage(): { root: string; manifest: PackageJson } {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    const manifest = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PackageJson) : undefined;
    if (manifest?.name === 'pocketflow-temporal') {
      return { root: dir, manifest };
    }
  }
  throw new PocketFlowError("The pocketflow-temporal package's own package.json is missing: reinstall the package.");
}

/** A package name from a folder name: lower case, and only the characters npm allows. */
function packageName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '');
  return name === '' ? 'my-flows' : name;
}

/** Writes the project into `dir`, which must be new or empty. */
export async function initCommand(ctx: CliContext, dir: string): Promise<number> {
  const target = resolve(dir);
  if (existsSync(target) && !statSync(target).isDirectory()) {
    throw new UsageError(`${dir} is a file: give init a new or empty folder.`);
  }
  if (existsSync(target) && readdirSync(target).length > 0) {
    throw new UsageError(`${dir} is not empty: give init a new or empty folder, so that nothing of yours is overwritten.`);
  }
  const { root, manifest: own } = ownPackage();
  const version = (name: string): string => {
    const pinned = own.dependencies?.[name] ?? own.devDependencies?.[name];
    if (pinned === undefined) {
      throw new PocketFlowError(`pocketflow-temporal's package.json names no version of ${name}.`);
    }
    return pinned;
  };
  cpSync(join(root, 'templates', 'starter'), target, { recursive: true });
  // npm leaves a package's .gitignore out of its tarball, so the template's goes by another name.
  renameSync(join(target, 'gitignore'), join(target, '.gitignore'));
  const project = {
    name: packageName(dir),
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: own.engines,
    scripts: {
      build: 'tsc -p .',
      test: 'vitest run',
      worker: 'tsx workers/publish-worker.ts',
      local: 'tsx run-local.ts',
    },
    dependencies: {
      '@temporalio/client': version('@temporalio/client'),
      '@temporalio/worker': version('@temporalio/worker'),
      'pocketflow-temporal': `^${own.version}`,
    },
    devDependencies: {
      '@types/node': version('@types/node'),
      tsx: version('tsx'),
      typescript: version('typescript'),
      vitest: version('vitest'),
    },
  };
  writeFileSync(join(target, 'package.json'), `${JSON.stringify(project, null, 2)}\n`);
  const where = relative(process.cwd(), target) || '.';
  ctx.out(
    `Wrote a new project in ${where}. Next:\n` +
      `  cd ${where}\n` +
      '  npm install && npx pocketflow-temporal run    # the publish flow on a local Temporal server\n' +
      '  npm install && npm test                       # its tests, in-process and on a dev server\n',
  );
  return 0;
}
