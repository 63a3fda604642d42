/**
 * The failure converter of every flow run. A failure's message and stack trace are written as an
 * encoded attribute (a payload), not as plain fields, so that the codec encrypts them with the
 * rest of the run's data when POCKETFLOW_ENCRYPTION_KEYS is set: exec errors, a flow's failure,
 * a failed workflow task and a refused answer all quote what the run was working on. The plain
 * message of such a failure reads "Encoded failure"; the Web UI, the SDK's clients and this
 * project's command line show the real one, decoded.
 *
 * One converter for every run, encrypted or not: the workflow sandbox cannot see the worker's
 * environment, and a bundle (so a build id) that changed with it would split a deployment in two.
 * Used in the workflow sandbox (bundled through `failureConverterPath`), by the worker for
 * activities, and by clients: it imports no Node built-in.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
