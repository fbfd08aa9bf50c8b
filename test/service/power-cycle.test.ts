// The Enter EDL step's power-cycle actions through the service: the demo module's suspend/resume,
// the platform's actions where there is no demo, and nothing pretended on other systems.

import { afterEach, describe, expect, it } from 'vitest';
import { fakeSystem } from '../platform/fake-system.js';
import { closeAll, makeService } from './harness.js';

afterEach(closeAll);

describe('power-cycle actions', () => {
  it('demo: one suspend/wake action; with the pads shorted, two of them bring up EDL', async () => {
    const h = makeService();
    await h.service.call('setDemoMode', { on: true, silent: true });
    const actions = await h.service.call('powerCycleActions', {});
    expect(actions.map((a) => a.id)).toEqual(['suspend-wake']);
    expect(actions[0]!.explanation.length).toBeGreaterThan(20);
    await h.service.call('demoAction', { action: 'short-usb-boot' });
    await h.service.call('runPowerCycle', { id: 'suspend-wake' });
    const second = await h.service.call('runPowerCycle', { id: 'suspend-wake' });
    expect(second.mode).toBe('edl');
    await expect(h.service.call('runPowerCycle', { id: 'explode' })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('no demo, Linux: the platform actions with their availability; another OS: none, and running one says to do it by hand', async () => {
    const linux = makeService({
      probe: fakeSystem({
        platform: 'linux',
        files: { '/sys/power/state': 'freeze mem disk' },
        installed: ['rtcwake', 'pkexec'],
      }),
    });
    const actions = await linux.service.call('powerCycleActions', {});
    expect(actions.map((a) => a.id)).toContain('suspend-wake');
    expect(actions.find((a) => a.id === 'suspend-wake')!.available).toBe(true);
    const win = makeService({ probe: fakeSystem({ platform: 'win32' }) });
    expect(await win.service.call('powerCycleActions', {})).toEqual([]);
    await expect(win.service.call('runPowerCycle', { id: 'suspend-wake' })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/by hand/),
    });
  });
});
