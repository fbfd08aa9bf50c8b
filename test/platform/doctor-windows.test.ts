// On Windows the doctor runs the Windows driver checks (the Linux ones do not apply).

import { describe, expect, it } from 'vitest';
import { runDoctor, runDoctorFix } from '../../src-main/platform/doctor.js';
import { fakeSystem } from './fake-system.js';

describe('the doctor on Windows', () => {
  it('reports the EDL driver state from the device list, and says so when no tool answers', async () => {
    const none = await runDoctor(fakeSystem({ platform: 'win32' }));
    expect(none).toHaveLength(1);
    expect(none[0]).toMatchObject({ id: 'windows-edl-driver', state: 'unknown' });
    expect(none[0]!.detail).toMatch(/could not be read/);
  });

  it('refuses a Linux fix id on Windows with a clear usage error', async () => {
    await expect(runDoctorFix(fakeSystem({ platform: 'win32' }), 'udev-rule')).rejects.toMatchObject({ code: 'USAGE' });
  });
});
