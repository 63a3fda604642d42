/**
 * The custom search attributes that make runs findable (`PocketFlowNode`, `PocketFlowWaiting`):
 * whether a namespace has them, and the command that adds them. Runs keep them current only where
 * they are registered; elsewhere flows run as before and the commands that need them say so.
 */
import type { Client } from '@temporalio/client';
import { FLOW_SEARCH_ATTRIBUTES } from './definitions.js';
import { SearchAttributesMissingError } from './errors.js';

/** What both a client's and a worker's connection offer to read a namespace's search attributes. */
interface SearchAttributeLister {
  listSearchAttributes(request: { namespace: string }): Promise<{ customAttributes?: Record<string, unknown> | null }>;
}

/** The indexed value type of each attribute, as the server lists it (temporal.api.enums.v1.IndexedValueType). */
const INDEXED_TYPES: Readonly<Record<string, number>> = { Keyword: 2, Bool: 5 };

/**
 * The flows' search attributes that `namespace` lacks (or has with another type); undefined when
 * the server does not say (no permission, not reachable).
 */
export function searchAttributesMissingOn(service: SearchAttributeLister, namespace: string): Promise<string[] | undefined> {
  return service.listSearchAttributes({ namespace }).then(
    ({ customAttributes }) =>
      Object.entries(FLOW_SEARCH_ATTRIBUTES)
        .filter(([name, type]) => Number(customAttributes?.[name]) !== INDEXED_TYPES[type])
        .map(([name]) => name),
    () => undefined,
  );
}

const known = new WeakMap<Client, string[]>();

/**
 * The flows' search attributes that the client's namespace lacks, or undefined when the server
 * does not say. A definite answer is kept for the client's life; a failure is asked again next time.
 */
export async function missingSearchAttributes(client: Client): Promise<string[] | undefined> {
  const cached = known.get(client);
  if (cached !== undefined) {
    return cached;
  }
  const missing = await searchAttributesMissingOn(client.connection.operatorService, client.options.namespace);
  if (missing !== undefined) {
    known.set(client, missing);
  }
  return missing;
}

/** The Temporal CLI command that registers `names` on `namespace`. */
export function searchAttributesCommand(namespace: string, names: readonly string[]): string {
  const pairs = names.map((name) => `--name ${name} --type ${FLOW_SEARCH_ATTRIBUTES[name]}`).join(' ');
  return `temporal operator search-attribute create --namespace ${namespace} ${pairs}`;
}

/** Throws SearchAttributesMissingError, saying what to run, when the namespace lacks any of them. */
export async function requireSearchAttributes(client: Client, needed: string): Promise<void> {
  const missing = await missingSearchAttributes(client);
  if (missing === undefined) {
    throw new SearchAttributesMissingError(
      `${needed} needs the search attributes ${Object.keys(FLOW_SEARCH_ATTRIBUTES).join(', ')}, and the server did not say whether ` +
        `namespace '${client.options.namespace}' has them (it lists them to callers allowed to read the namespace). Try again, or check the permissions.`,
    );
  }
  if (missing.length > 0) {
    throw new SearchAttributesMissingError(
      `${needed} needs the search attributes ${missing.join(', ')}, which namespace '${client.options.namespace}' does not have (or has with another type). ` +
        `Add them with: ${searchAttributesCommand(client.options.namespace, missing)} (runs started after that are found).`,
    );
  }
}
