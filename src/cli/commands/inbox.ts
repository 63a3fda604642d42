/** `inbox`: serves the approvals inbox, a local web page of the open runs (those waiting for an answer, those at work, live), in the foreground. */
import { startInboxServer } from '../inbox/server.js';
import type { CliContext } from '../context.js';
import { connect, runLink } from '../server.js';
import { untilStopped } from '../stop.js';

/** Serves the inbox until SIGINT or SIGTERM. */
export async function inboxCommand(ctx: CliContext, options: { port: number; host: string }): Promise<number> {
  const { client, settings } = await connect();
  const inbox = await startInboxServer({
    client,
    host: options.host,
    port: options.port,
    runLink: (workflowId) => runLink(settings, workflowId),
  });
  ctx.out(`Inbox on ${inbox.url} (namespace ${settings.namespace} on ${settings.address}). Stop it with Ctrl-C.\n`);
  await untilStopped();
  await inbox.close();
  return 0;
}
