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

/** The flows' search attributes that `namespace` lacks; undefined when the server does not say (no permission). */
export function searchAttributesMissingOn(service: SearchAttributeLister, namespace: string): Promise<string[] | undefined> {
  return service.listSearchAttributes({ namespace }).then(
    ({ customAttributes }) => Object.keys(FLOW_SEARCH_ATTRIBUTES).filter((name) => customAttributes?.[name] === undefined),
    () => undefined,
  );
}

const known = new WeakMap<Client, Promise<string[]>>();

/** The flows' search attributes that the client's namespace lacks (all of them when it cannot tell); asked once per client. */
export function missingSearchAttributes(client: Client): Promise<string[]> {
  let missing = known.get(client);
  if (missing === undefined) {
    missing = searchAttributesMissingOn(client.connection.operatorService, client.options.namespace).then(
      (names) => names ?? Object.keys(FLOW_SEARCH_ATTRIBUTES),
    );
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
  if (missing.length > 0) {
    throw new SearchAttributesMissingError(
      `${needed} needs the search attributes ${missing.join(', ')}, which namespace '${client.options.namespace}' does not have. ` +
        `Add them with: ${searchAttributesCommand(client.options.namespace, missing)} (runs started after that are found).`,
    );
  }
}
