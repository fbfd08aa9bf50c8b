import { describe, expect, it } from 'vitest';
import { FaultPlan, parseFault, parseSize } from '../../src-main/sim/faults.js';

describe('fault specs', () => {
  it('parses every fault kind', () => {
    expect(parseFault('stall@1M')).toEqual({ kind: 'stall', atBytes: 1024 * 1024 });
    expect(parseFault('disconnect@4096')).toEqual({ kind: 'disconnect', atBytes: 4096 });
    expect(parseFault('nak-program@3')).toEqual({ kind: 'nak-program', n: 3 });
    expect(parseFault('need-zlp')).toEqual({ kind: 'need-zlp' });
    expect(parseFault('slow-ack=2.5')).toEqual({ kind: 'slow-ack', seconds: 2.5 });
    expect(parseFault('log-flood')).toEqual({ kind: 'log-flood' });
    expect(parseFault('garbage-reply@2')).toEqual({ kind: 'garbage-reply', n: 2 });
    expect(parseFault('hello-once')).toEqual({ kind: 'hello-once' });
    expect(parseSize('512k')).toBe(512 * 1024);
  });

  it('explains a bad spec', () => {
    expect(() => parseFault('explode')).toThrow(/Known: stall@BYTES/);
    expect(() => parseFault('nak-program@0')).toThrow(/positive/);
    expect(() => parseFault('stall@lots')).toThrow(/BYTES/);
  });

  it('fires each fault once', () => {
    const plan = new FaultPlan([parseFault('nak-program@1'), parseFault('nak-program@5')]);
    const first = plan.armed('nak-program')!;
    expect(first.n).toBe(1);
    plan.fire(first);
    expect(plan.armed('nak-program')!.n).toBe(5);
    expect(plan.armed('stall')).toBeUndefined();
  });
});
