import { describe, expect, it } from 'vitest';
import { workerEntryPath } from '../../src-main/app/engine-worker.js';

describe('the engine worker script path', () => {
  it('is worker-entry.js beside the module, and leaves app.asar for app.asar.unpacked', () => {
    expect(workerEntryPath('file:///opt/app/dist/src-main/app/engine-worker.js')).toBe('/opt/app/dist/src-main/app/worker-entry.js');
    expect(workerEntryPath('file:///opt/Modem%20Rescue/resources/app.asar/dist/src-main/app/engine-worker.js')).toBe('/opt/Modem Rescue/resources/app.asar.unpacked/dist/src-main/app/worker-entry.js');
  });
});
