import { afterEach, describe, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import { parseFault } from '../../src-main/sim/faults.js';
import { cleanup, startNormal, waitForState } from './harness.js';

afterEach(cleanup);

describe('normal-mode faults', () => {
  it('parses drop-diag@N', () => {
    expect(parseFault('drop-diag@7')).toEqual({ kind: 'drop-diag', n: 7 });
    expect(() => parseFault('drop-diag@0')).toThrow(/positive/);
  });

  it('drop-diag@N: the module drops off the bus at the Nth DIAG request, then comes back in normal mode, once', async () => {
    const h = await startNormal({ faults: [{ kind: 'drop-diag', n: 5 }] });
    const d = await h.diag({ maxInFlight: 1 });
    for (let i = 0; i < 4; i++) expect((await d.nvRead(550)).status).toBe(0);
    const seen: string[] = [];
    h.modem.on('state', (s: string) => seen.push(s));
    const err = await d.nvRead(550).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RescueError);
    expect((err as RescueError).code).toBe('DEVICE_DISCONNECTED');
    await d.close();
    await waitForState(h.modem, 'normal');
    expect(seen).toEqual(['rebooting', 'normal']);
    const d2 = await h.diag();
    for (let i = 0; i < 10; i++) expect((await d2.nvRead(550)).status).toBe(0);
    expect(h.modem.diagCounter.requests).toBe(15);
  });
});
