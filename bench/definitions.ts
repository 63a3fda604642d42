/** Signals and queries of the hand-written workflows, shared by the workflows and the bench client. */
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** Answers the hand-written human loop. */
export const benchAnswerSignal = defineSignal<[string]>('benchAnswer');

/** How many answers the hand-written human loop asked for, and whether it waits for one now. */
export const benchWaitingQuery = defineQuery<{ asked: number; waiting: boolean }>('benchWaiting');
