// Static checks of the docker-compose deployment and the worker's Dockerfile.
// No Docker engine is needed: the files are parsed and their structure checked.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FLOW_SEARCH_ATTRIBUTES } from '../src/temporal/definitions.js';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../src/temporal/dev-server.js';

type DependsOn = string[] | Record<string, { condition?: string }>;

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  environment?: string[] | Record<string, string | number | boolean | null>;
  ports?: (string | number | { target?: number; published?: string | number })[];
  depends_on?: DependsOn;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  entrypoint?: string | string[];
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8')) as ComposeFile;
const services = compose.services;
const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');

function service(name: string): Service {
  const found = services[name];
  if (found === undefined) {
    throw new Error(`docker-compose.yml has no service '${name}'`);
  }
  return found;
}

function dependencies(name: string): Record<string, string> {
  const dependsOn = service(name).depends_on;
  if (dependsOn === undefined) {
    return {};
  }
  if (Array.isArray(dependsOn)) {
    return Object.fromEntries(dependsOn.map((target) => [target, 'service_started']));
  }
  return Object.fromEntries(
    Object.entries(dependsOn).map(([target, options]) => [target, options.condition ?? 'service_started']),
  );
}

function environment(name: string): Record<string, string | null> {
  const env = service(name).environment;
  if (env === undefined) {
    return {};
  }
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const equals = entry.indexOf('=');
        return equals === -1 ? [entry, null] : [entry.slice(0, equals), entry.slice(equals + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? null : String(value)]));
}

function publishedPorts(name: string): string[] {
  const ports = service(name).ports ?? [];
  return ports.map((port) => {
    if (typeof port === 'object') {
      return `${port.published ?? ''}:${port.target ?? ''}`;
    }
    return String(port);
  });
}

// Services that others wait on with service_completed_successfully run once and exit.
function oneShotServices(): Set<string> {
  const oneShots = new Set<string>();
  for (const name of Object.keys(services)) {
    for (const [target, condition] of Object.entries(dependencies(name))) {
      if (condition === 'service_completed_successfully') {
        oneShots.add(target);
      }
    }
  }
  return oneShots;
}

// Host paths mounted into a service, as [source, target] pairs; named volumes are left out.
function bindMounts(definition: Service): [string, string][] {
  const mounts: [string, string][] = [];
  for (const volume of definition.volumes ?? []) {
    const [source, target] = typeof volume === 'string' ? volume.split(':') : [volume.source, volume.target];
    if (source !== undefined && target !== undefined && source.startsWith('.')) {
      mounts.push([source, target]);
    }
  }
  return mounts;
}

// The value of the last instruction of a kind, with line continuations joined.
function lastInstruction(keyword: string): string | undefined {
  const joined = dockerfile.replace(/\\\r?\n/g, ' ');
  const lines = joined.split(/\r?\n/).map((line) => line.trim());
  const matches = lines.filter((line) => line.toUpperCase().startsWith(`${keyword} `));
  const last = matches.at(-1);
  return last === undefined ? undefined : last.slice(keyword.length).trim();
}

describe('docker-compose.yml', () => {
  it('defines postgresql, temporal-admin-tools, temporal, temporal-ui and worker', () => {
    const names = Object.keys(services);
    expect(names).toEqual(
      expect.arrayContaining(['postgresql', 'temporal-admin-tools', 'temporal', 'temporal-ui', 'worker']),
    );
  });

  it('pins every image to an explicit version tag', () => {
    for (const [name, definition] of Object.entries(services)) {
      if (definition.image === undefined) {
        continue;
      }
      const lastSegment = definition.image.split('/').at(-1) ?? '';
      const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : '';
      expect(tag, `${name} image ${definition.image}`).toMatch(/^\d+(\.\d+)*(-[a-z0-9.]+)?$/);
    }
  });

  it('gives every service either an image or a build', () => {
    for (const [name, definition] of Object.entries(services)) {
      expect(definition.image !== undefined || definition.build !== undefined, name).toBe(true);
    }
  });

  it('does not use the deprecated temporalio/auto-setup image', () => {
    const images = Object.values(services).map((definition) => definition.image ?? '');
    expect(images.filter((image) => image.includes('temporalio/auto-setup'))).toEqual([]);
  });

  it('uses the official Temporal server, admin-tools and UI images at matching server versions', () => {
    const serverTag = service('temporal').image?.split(':')[1];
    expect(service('temporal').image).toMatch(/^temporalio\/server:/);
    expect(service('temporal-admin-tools').image).toBe(`temporalio/admin-tools:${serverTag}`);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:2\./);
    expect(service('postgresql').image).toMatch(/^postgres:/);
  });

  it('publishes the Temporal frontend on port 7233', () => {
    expect(publishedPorts('temporal')).toContain('7233:7233');
  });

  it('publishes the Temporal UI on port 8080, and tells the command line in the worker that this is where links point', () => {
    expect(publishedPorts('temporal-ui')).toContain('8080:8080');
    expect(environment('worker')['TEMPORAL_UI_URL']).toBe('${TEMPORAL_UI_URL:-http://localhost:8080}');
  });

  it('says the server runs with no authorizer, as later server versions require to start that way', () => {
    expect(environment('temporal')['TEMPORAL_ALLOW_NO_AUTH']).toBe('true');
  });

  it('points the Temporal UI at the temporal service and sets its CORS origins', () => {
    const env = environment('temporal-ui');
    expect(env['TEMPORAL_ADDRESS']).toBe('temporal:7233');
    expect(env['TEMPORAL_CORS_ORIGINS']).toBeTruthy();
  });

  it('keeps PostgreSQL data in a named volume', () => {
    const volumes = service('postgresql').volumes ?? [];
    const sources = volumes.map((volume) => (typeof volume === 'string' ? volume.split(':')[0] : volume.source));
    const named = sources.filter((source) => source !== undefined && Object.keys(compose.volumes ?? {}).includes(source));
    expect(named.length).toBe(1);
  });

  it('checks PostgreSQL health with pg_isready', () => {
    const test = service('postgresql').healthcheck?.test;
    expect([test].flat().join(' ')).toContain('pg_isready');
  });

  it('builds the worker from the Dockerfile at the repository root', () => {
    const build = service('worker').build;
    const context = typeof build === 'string' ? build : build?.context;
    const file = typeof build === 'string' ? undefined : build?.dockerfile;
    expect(context).toBe('.');
    expect(file ?? 'Dockerfile').toBe('Dockerfile');
  });

  it('connects the worker to the temporal service, default namespace and recipe-finder task queue', () => {
    const env = environment('worker');
    expect(env['TEMPORAL_ADDRESS']).toBe('temporal:7233');
    expect(env['TEMPORAL_NAMESPACE']).toBe('default');
    expect(env['TEMPORAL_TASK_QUEUE']).toBe('recipe-finder');
  });

  it('passes the OpenAI and recipe API settings to the worker from the host environment, never as literals', () => {
    const env = environment('worker');
    for (const key of ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_MODEL', 'RECIPE_API_URL']) {
      expect(key in env, key).toBe(true);
      const value = env[key];
      if (value !== null && value !== undefined) {
        expect(value, key).toMatch(new RegExp(`^\\$\\{${key}(:?-)?\\}$`));
      }
    }
  });

  it('makes temporal wait for a healthy PostgreSQL and a successful schema setup', () => {
    const dependsOn = dependencies('temporal');
    expect(dependsOn['postgresql']).toBe('service_healthy');
    expect(dependsOn['temporal-admin-tools']).toBe('service_completed_successfully');
  });

  it('runs schema setup only after PostgreSQL is healthy', () => {
    expect(dependencies('temporal-admin-tools')['postgresql']).toBe('service_healthy');
  });

  it('makes the worker wait for a healthy temporal server', () => {
    expect(dependencies('worker')['temporal']).toBe('service_healthy');
  });

  it('creates the default namespace after the server is healthy and before the worker starts', () => {
    const creators = Object.keys(services).filter((name) => environment(name)['NAMESPACE'] === 'default');
    expect(creators.length).toBe(1);
    const creator = creators[0] as string;
    expect(dependencies(creator)['temporal']).toBe('service_healthy');
    expect(dependencies('worker')[creator]).toBe('service_completed_successfully');
  });

  it('registers the flows\' search attributes in the namespace job, retrying each call until the server answers', () => {
    const script = readFileSync(join(import.meta.dirname, '..', 'deploy', 'scripts', 'create-namespace.sh'), 'utf8');
    for (const [name, type] of Object.entries(FLOW_SEARCH_ATTRIBUTES)) {
      expect(script).toContain(`${name}:${type}`);
    }
    expect(script).toMatch(/retry ensure_search_attribute "\$\{attribute%:\*\}" "\$\{attribute#\*:\}"/);
    expect(script).toMatch(/temporal operator search-attribute create --namespace "\$namespace" --name "\$1" --type "\$2"/);
    expect(script).toMatch(/retry ensure_namespace/);
    expect(script).toMatch(/retry temporal operator cluster health/);
    expect(execFileSync('sh', ['-n', join(import.meta.dirname, '..', 'deploy', 'scripts', 'create-namespace.sh')]).toString()).toBe('');
  });

  it('only depends on services that exist', () => {
    for (const name of Object.keys(services)) {
      for (const target of Object.keys(dependencies(name))) {
        expect(Object.keys(services), `${name} depends on ${target}`).toContain(target);
      }
    }
  });

  it('gives every long-running service except the worker a healthcheck', () => {
    const oneShots = oneShotServices();
    const longRunning = Object.keys(services).filter((name) => name !== 'worker' && !oneShots.has(name));
    expect(longRunning).toEqual(expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui']));
    for (const name of longRunning) {
      const healthcheck = service(name).healthcheck;
      expect(healthcheck?.test, name).toBeDefined();
      expect(healthcheck?.disable ?? false, name).toBe(false);
    }
  });

  it('mounts only paths that exist in the repository', () => {
    for (const [name, definition] of Object.entries(services)) {
      for (const [source] of bindMounts(definition)) {
        expect(existsSync(join(root, source)), `${name} mounts ${source}`).toBe(true);
      }
    }
  });

  it('runs one-shot scripts that exist in the mounted folder', () => {
    for (const [name, definition] of Object.entries(services)) {
      const script = [definition.entrypoint ?? []].flat().find((part) => part.endsWith('.sh'));
      if (script === undefined) {
        continue;
      }
      const mount = bindMounts(definition).find(([, target]) => script.startsWith(`${target}/`));
      expect(mount, `${name} runs ${script}`).toBeDefined();
      const [source, target] = mount as [string, string];
      expect(existsSync(join(root, source, script.slice(target.length))), `${name} runs ${script}`).toBe(true);
    }
  });
});

describe('Dockerfile', () => {
  it('starts the compiled workers/recipe-worker.ts', () => {
    const start = `${lastInstruction('ENTRYPOINT') ?? ''} ${lastInstruction('CMD') ?? ''}`;
    expect(start).toContain('dist/workers/recipe-worker.js');
  });

  it('runs as a user that is not root', () => {
    const user = lastInstruction('USER');
    expect(user).toBeDefined();
    const name = (user ?? '').split(':')[0];
    expect(['root', '0']).not.toContain(name);
  });

  it('builds on a pinned Node.js major version', () => {
    expect(lastInstruction('FROM')).toMatch(/^node:\d+-/);
  });

  it('bakes in no OpenAI secret', () => {
    expect(dockerfile).not.toMatch(/OPENAI_API_KEY/);
  });

  it('starts node itself, so that SIGTERM reaches the worker, not a wrapper such as npx or npm', () => {
    const start = lastInstruction('CMD') ?? '';
    expect(JSON.parse(start)).toEqual(['node', 'dist/workers/recipe-worker.js']);
  });

  it('compiles and bundles in a build stage, and runs with production dependencies only', () => {
    expect(dockerfile).toMatch(/FROM node:\S+ AS build/);
    expect(dockerfile).toMatch(/RUN npm run build && npm run build:workflows/);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    const runStage = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runStage).toMatch(/npm ci --omit=dev/);
  });
});

describe('the Temporal server\'s dynamic config', () => {
  it('raises the transfer-queue read rate in Compose as the project\'s dev server does', () => {
    const file = readFileSync(join(root, 'deploy/dynamicconfig/development-sql.yaml'), 'utf8');
    const config = parse(file) as Record<string, Array<{ value: unknown }>>;
    const key = 'history.transferProcessorMaxPollRPS';
    expect(config[key]?.[0]?.value).toBe(DEV_SERVER_DYNAMIC_CONFIG[key]);
  });
});
