// The `at` and `enter-edl` commands over real pseudo-terminals (socat), and their errors on a
// machine without the module.

import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../shared/errors.js';
import { atCommand, makeAtCommand } from '../../src-main/cli/commands/at.js';
import { makeEnterEdlCommand } from '../../src-main/cli/commands/enter-edl.js';
import type { CliIo } from '../../src-main/cli/io.js';
import { reportError } from '../../src-main/cli/main.js';
import { enumeratorPortSource } from '../../src-main/platform/port-map.js';
import { HdlcDecoder, hdlcEncode } from '../../src-main/protocol/hdlc.js';
import { PtyPort } from '../../src-main/sim/pty-port.js';
import type { BulkPipe } from '../../src-main/transport/transport.js';
import { socatAvailable } from '../helpers/socat.js';
import { FakeAtDevice, lines } from './fake-at-device.js';

const HAVE_SOCAT = socatAvailable();

function fakeIo(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    isTTY: false,
    columns: 80,
    signal: new AbortController().signal,
    stdout: () => out,
    stderr: () => err,
  };
}

/** Run a command the way main() does: errors become a report on stderr and an exit code. */
async function runCommand(run: (io: CliIo) => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const io = fakeIo();
  let code: number;
  try {
    code = await run(io);
  } catch (e) {
    code = reportError(e, io);
  }
  return { code, out: io.stdout(), err: io.stderr() };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function ptyAtModule(script: ConstructorParameters<typeof FakeAtDevice>[0]): Promise<string> {
  const port = new PtyPort();
  const device = await port.plugIn();
  const fake = new FakeAtDevice(script, { echo: true, device });
  cleanups.push(async () => {
    await fake.stop();
    await port.dispose();
  });
  return port.hostPath;
}

const noUsb = () =>
  enumeratorPortSource({
    availability: async () => ({
      available: false,
      reason: 'no USB subsystem on this machine (/sys/bus/usb is missing)',
    }),
    list: async () => [],
  });

describe('modem-rescue at', () => {
  it.skipIf(!HAVE_SOCAT)('prints the answers of each command over a serial port', async () => {
    const path = await ptyAtModule((c) =>
      c === 'ATI'
        ? lines('Quectel', 'EC25', 'Revision: EC25EFAR06A11M4G', 'OK')
        : lines('EC25EFAR06A11M4G_01.001.01.001', 'OK'),
    );
    const r = await runCommand((io) => atCommand.run(['--port', path, 'ATI', 'AT+QGMR'], io));
    expect(r.code).toBe(EXIT_CODES.ok);
    expect(r.out).toBe('Quectel\nEC25\nRevision: EC25EFAR06A11M4G\nOK\nEC25EFAR06A11M4G_01.001.01.001\nOK\n');
  });

  it.skipIf(!HAVE_SOCAT)('--json prints one object per command', async () => {
    const path = await ptyAtModule(() => lines('+CFUN: 1', 'OK'));
    const r = await runCommand((io) => atCommand.run(['--port', path, '--json', 'AT+CFUN?'], io));
    expect(JSON.parse(r.out)).toEqual({ command: 'AT+CFUN?', lines: ['+CFUN: 1'], final: 'OK' });
  });

  it.skipIf(!HAVE_SOCAT)("a +CME ERROR is a device problem (exit 4) with the module's text", async () => {
    const path = await ptyAtModule(() => lines('+CME ERROR: 10'));
    const r = await runCommand((io) => atCommand.run(['--port', path, 'AT+CPIN?'], io));
    expect(r.code).toBe(EXIT_CODES.device);
    expect(r.err).toMatch(/error AT_ERROR: .*"\+CME ERROR: 10" \(SIM not inserted\)/);
  });

  it.skipIf(!HAVE_SOCAT)('a module that does not answer: DEVICE_TIMEOUT after --timeout', async () => {
    const path = await ptyAtModule(() => undefined);
    const r = await runCommand((io) => atCommand.run(['--port', path, '--timeout', '1', 'ATI'], io));
    expect(r.code).toBe(EXIT_CODES.device);
    expect(r.err).toMatch(/DEVICE_TIMEOUT.*answer to ATI/);
  });

  it('without --port on a machine without the module: PORT_NOT_FOUND saying what to check', async () => {
    const r = await runCommand((io) => makeAtCommand({ portSource: noUsb }).run(['ATI'], io));
    expect(r.code).toBe(EXIT_CODES.device);
    expect(r.err).toMatch(/PORT_NOT_FOUND.*no USB subsystem/);
    expect(r.err).toMatch(/--port/);
    // This machine's own lookup ends the same way: no running module here.
    const real = await runCommand((io) => atCommand.run(['ATI'], io));
    expect(real.code).toBe(EXIT_CODES.device);
    expect(real.err).toMatch(/error PORT_NOT_FOUND/);
  });

  it('usage errors', async () => {
    expect((await runCommand((io) => atCommand.run([], io))).code).toBe(EXIT_CODES.usage);
    expect((await runCommand((io) => atCommand.run(['--port', '/dev/null', '--timeout', 'x', 'ATI'], io))).code).toBe(
      EXIT_CODES.usage,
    );
  });
});

/** A DM port that echoes the switch, then drops off and plugs in the EDL port. */
async function serveDm(dm: BulkPipe, onSwitch: () => Promise<void>): Promise<void> {
  const decoder = new HdlcDecoder();
  try {
    for (;;) {
      const chunk = await dm.read(4096, { timeoutMs: 10_000 });
      for (const f of decoder.push(chunk)) {
        if (f.ok && f.payload[0] === 0x4b && f.payload[1] === 0x65) {
          await dm.write(hdlcEncode(f.payload), { timeoutMs: 1000 });
          await onSwitch();
          return;
        }
      }
    }
  } catch {
    // port gone
  }
}

describe('modem-rescue enter-edl', () => {
  it.skipIf(!HAVE_SOCAT)('switches over the DM tty and reports the EDL tty', async () => {
    const dmPort = new PtyPort();
    const edlPort = new PtyPort();
    cleanups.push(async () => {
      await dmPort.dispose();
      await edlPort.dispose();
    });
    const dm = await dmPort.plugIn();
    const served = serveDm(dm, async () => {
      await new Promise((r) => setTimeout(r, 100));
      await dmPort.unplug();
      await edlPort.plugIn();
    });
    const r = await runCommand((io) =>
      makeEnterEdlCommand().run(['--port', dmPort.hostPath, '--edl-port', edlPort.hostPath, '--wait', '10'], io),
    );
    await served;
    expect(r.err).toBe('');
    expect(r.code).toBe(EXIT_CODES.ok);
    expect(r.out).toContain(`The module is in download mode (EDL) on ${edlPort.hostPath}`);
    expect(r.out).toContain(`flash --package P --port ${edlPort.hostPath}`);
  });

  it.skipIf(!HAVE_SOCAT)('a port that does not answer: EDL_SWITCH_FAILED, exit 4', async () => {
    const dmPort = new PtyPort();
    cleanups.push(() => dmPort.dispose());
    await dmPort.plugIn();
    const r = await runCommand((io) =>
      makeEnterEdlCommand().run(['--port', dmPort.hostPath, '--edl-port', '/nonexistent/tty', '--wait', '1'], io),
    );
    expect(r.code).toBe(EXIT_CODES.device);
    expect(r.err).toMatch(/EDL_SWITCH_FAILED.*No echo/);
    expect(r.err).toMatch(/USB_BOOT/);
  });

  it('without --port on a machine without the module: PORT_NOT_FOUND', async () => {
    const r = await runCommand((io) => makeEnterEdlCommand({ portSource: noUsb }).run([], io));
    expect(r.code).toBe(EXIT_CODES.device);
    expect(r.err).toMatch(/PORT_NOT_FOUND.*DM\/DIAG port/);
  });
});
