/**
 * The workflow interceptor module of every flow bundle: it fills in, as each activation concludes,
 * the record of the workflow task's events that the run's memo write holds (`TaskEvents`), so that
 * the record holds every event the task told, whatever ran after the write (another handler, a
 * branch a condition woke). A reader of the run's history takes a task's events from it and need
 * not ask the run. The number and order of the commands stay as the workflow made them: only the
 * record's payload is filled in, which replay does not compare.
 */
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { TASK_EVENTS_BYTES, TASK_EVENTS_MEMO, type TaskEvents } from '../definitions.js';
import { bytesOfPayload, payloadConverter } from '../payload-converter.js';

/** Where, on the workflow's global object, the run says what its current task told. */
const SOURCE = Symbol.for('pocketflow.taskEvents');

/** Called by a run as it starts: `told` says what the current workflow task told so far. */
export function tellsTaskEvents(told: () => TaskEvents): void {
  (globalThis as Record<symbol, unknown>)[SOURCE] = told;
}

/** Called by the SDK as each workflow of the bundle starts. */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      concludeActivation(input, next) {
        const told = (globalThis as Record<symbol, unknown>)[SOURCE] as (() => TaskEvents) | undefined;
        // The last write of the activation holds the record; earlier ones keep none (a reader takes a task's last).
        let last = -1;
        input.commands.forEach((command, index) => {
          if (command.modifyWorkflowProperties?.upsertedMemo?.fields?.[TASK_EVENTS_MEMO] !== undefined) {
            last = index;
          }
        });
        if (told === undefined || last === -1) {
          return next(input);
        }
        const record = payloadConverter.toPayload(told());
        if (bytesOfPayload(record) > TASK_EVENTS_BYTES) {
          // Too large for a memo: the write keeps none, and readers ask the run.
          return next(input);
        }
        const commands = input.commands.map((command, index) => {
          const properties = command.modifyWorkflowProperties;
          if (index !== last || properties?.upsertedMemo?.fields == null) {
            return command;
          }
          const fields = { ...properties.upsertedMemo.fields, [TASK_EVENTS_MEMO]: record };
          return { ...command, modifyWorkflowProperties: { ...properties, upsertedMemo: { ...properties.upsertedMemo, fields } } };
        });
        return next({ commands });
      },
    },
  ],
});
