import { describe, expect, it } from 'vitest';
import { ERRORS, RescueError } from '../../shared/errors.js';
import { needsPowerCycle } from '../../src-main/flows/recovery.js';

describe('the error when recovery gives up', () => {
  it('keeps the first error code and detail, says the sentence once, and asks for a power cycle', () => {
    const e = needsPowerCycle(
      new RescueError('DEVICE_STALLED', 'Nothing moved for 10 s while sending NON-HLOS.ubi.'),
      'it did not come back in EDL mode',
    );
    expect(e.code).toBe('DEVICE_STALLED');
    expect(e.message.split(ERRORS.DEVICE_STALLED.sentence)).toHaveLength(2); // exactly one occurrence
    expect(e.message).toContain('Nothing moved for 10 s while sending NON-HLOS.ubi.');
    expect(e.nextStep).toMatch(/Power-cycle/);
  });
});
