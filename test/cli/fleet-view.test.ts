// The terminal view of several modules flashed at once: one live line per module, redrawn in
// place, warnings above the block, and the summary table at the end.

import { describe, expect, it } from 'vitest';
import { FleetView } from '../../src-main/cli/fleet-view.js';
import type { CliIo } from '../../src-main/cli/io.js';

function fakeIo(isTTY: boolean): CliIo & { text: () => string } {
  let out = '';
  return {
    out: (t) => (out += t),
    err: (t) => (out += t),
    isTTY,
    columns: 100,
    signal: new AbortController().signal,
    text: () => out,
  };
}

describe('FleetView', () => {
  it('in a terminal keeps one line per module and prints warnings above them', () => {
    const io = fakeIo(true);
    const v = new FleetView(io, 'tty', ['/dev/ttyUSB0', '/dev/ttyUSB1']);
    v.event(0, '/dev/ttyUSB0', {
      type: 'step-start',
      index: 2,
      total: 9,
      operation: 'program',
      label: 'tz.mbn',
      bytes: 4096,
    });
    v.event(1, '/dev/ttyUSB1', { type: 'log', level: 'warn', message: 'slow link' });
    // Screen: the warning, then exactly two module lines (each redraw moves up over the old block first).
    const lastBlock = io.text().split('\x1b[2A\r\x1b[J').at(-1)!;
    expect(lastBlock).toBe(
      '[2 /dev/ttyUSB1] warn: slow link\n[1 /dev/ttyUSB0] [3/9] program tz.mbn\n[2 /dev/ttyUSB1] waiting\n',
    );
  });

  it('ends with a table of every module: serial, result, seconds, verification', () => {
    const io = fakeIo(false);
    const v = new FleetView(io, 'lines', ['a', 'b']);
    v.summary([
      {
        module: 'a',
        index: 0,
        serial: '472529742',
        ok: true,
        seconds: 12.34,
        result: {
          seconds: 12.34,
          bytesWritten: 1,
          stepsDone: 1,
          verified: 'digest',
          programmerSkipped: false,
          partitions: [],
          recoveries: 0,
          powerCycles: 0,
          resumed: [],
        },
      },
      {
        module: 'b',
        index: 1,
        ok: false,
        seconds: 3,
        error: { code: 'DEVICE_TIMEOUT', category: 'device', message: 'It stopped.', nextStep: 'Power-cycle it.' },
      },
    ]);
    const t = io.text();
    expect(t).toMatch(/1 a\s+472529742\s+OK\s+12\.3\s+digest/);
    expect(t).toMatch(/2 b\s+\?\s+FAILED \(DEVICE_TIMEOUT\)\s+3\.0\s+-/);
    expect(t).toMatch(/1 of 2 modules flashed/);
    expect(t).toMatch(/\[2 b\] It stopped\.\n {2}what to do: Power-cycle it\./);
  });
});
