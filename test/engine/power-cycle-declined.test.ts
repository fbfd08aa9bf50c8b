// A consented power switch that does not work (the prompt declined, the password dialog
// dismissed, a hub that refuses): the run ends with the clear "power-cycle it" error, saying what
// was tried, never with an internal error.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import { flashPackage } from '../../src-main/flows/flash.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';
import type { PowerSwitch } from '../../src-main/transport/power-switch.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mr-declined-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('a power cut that fails ends in the power-cycle error naming why, after one try', async () => {
  const made = await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 2, seed: 9 });
  const bus = new MemoryBus();
  const modem = new VirtualModem(
    {
      model: 'ec25',
      stateDir: join(dir, 'modem'),
      reEnumerateDelayMs: 50,
      faults: [{ kind: 'stall', atBytes: 600_000 }],
    },
    bus,
  );
  await modem.start();
  let tries = 0;
  const declined: PowerSwitch = {
    kind: 'port-power',
    description: "Switching the modem's USB port off and on",
    cutsPower: true,
    cycle: () => {
      tries++;
      return Promise.reject(new Error('"Switch the port off and on" was declined at the prompt'));
    },
  };
  try {
    const e = await flashPackage({
      package: made.root,
      opener: bus.opener,
      openTimeoutMs: 3000,
      helloTimeoutMs: 500,
      timeouts: { writeMs: 800, responseMs: 1500, programAckMs: 2000, eraseAckMs: 2000, readDataMs: 2000 },
      recovery: {
        maxAttempts: 1,
        drainQuietMs: 50,
        drainMaxMs: 200,
        probeMs: 300,
        dropOffMs: 500,
        reEnumerateMs: 1000,
      },
      powerSwitch: declined,
    }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(tries).toBe(1);
    expect(e).toBeInstanceOf(RescueError);
    const r = e as RescueError;
    expect(r.code).not.toBe('INTERNAL');
    expect(r.message).toMatch(/cutting the power from here did not work \(.*declined at the prompt\)/);
    expect(r.nextStep).toMatch(/Power-cycle the modem/);
  } finally {
    await modem.stop();
  }
}, 60_000);
