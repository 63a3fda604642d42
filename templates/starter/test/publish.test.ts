// The flow in-process, with no server: a scripted person answers.
import { ScriptedInput } from 'pocketflow-temporal';
import { describe, expect, it } from 'vitest';
import { createWriter } from '../activities/writer.js';
import { createPublishFlow, type Shared } from '../workflows/publish.js';

describe('the publish flow, in-process', () => {
  it('drafts, counts the words of each line, and asks again after a no', async () => {
    const shared: Shared = {};
    await createPublishFlow()
      .setParams({ style: 'brief' })
      .runAsync(shared, { services: createWriter(), input: new ScriptedInput(['tides', 'n', 'y']) });
    expect(shared).toEqual({
      topic: 'tides',
      draft: 'A brief note on tides.\nThe tides rise and fall twice a day.',
      counts: [5, 8],
      approved: true,
      published: true,
    });
  });
});
