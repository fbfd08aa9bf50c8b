// Integration with the virtual EC25 in normal mode: the AT client's queries answered from the
// modem's state, then the switch into EDL over its DM port, after which its PBL greets with a
// Sahara HELLO on the EDL bus.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { atCommand } from '../../src-main/cli/commands/at.js';
import { enterEdlCommand } from '../../src-main/cli/commands/enter-edl.js';
import type { CliIo } from '../../src-main/cli/io.js';
import { AtClient } from '../../src-main/host/at-client.js';
import { enterEdl } from '../../src-main/flows/enter-edl.js';
import { luhnValid } from '../../src-main/protocol/imei.js';
import { HELLO_LENGTH, SaharaCommand, readPacketHeader } from '../../src-main/protocol/sahara.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { modelImeis } from '../../src-main/sim/normal-state.js';
import { MemoryNormalBus, PtyNormalPort } from '../../src-main/sim/normal-port.js';
import { PtyPort } from '../../src-main/sim/pty-port.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';
import { PipeReader } from '../../src-main/transport/pipe-reader.js';
import { socatAvailable } from '../helpers/socat.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function startNormalModem() {
  const stateDir = mkdtempSync(join(tmpdir(), 'at-normal-'));
  const normal = new MemoryNormalBus();
  const edl = new MemoryBus();
  const modem = new VirtualModem(
    { model: 'ec25', stateDir, mode: 'normal', normalPort: normal, reEnumerateDelayMs: 30 },
    edl,
  );
  await modem.start();
  cleanups.push(async () => {
    await modem.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });
  return { modem, normal, edl };
}

describe('against the virtual EC25 in normal mode', () => {
  it('answers the AT queries from its state, then switches into EDL and greets with Sahara HELLO', async () => {
    const { modem, normal, edl } = await startNormalModem();

    const at = new AtClient(await normal.atOpener.open({ timeoutMs: 3000 }), { timeoutMs: 2000 });
    try {
      const ati = await at.ati();
      expect(ati.manufacturer).toBe('Quectel');
      expect(ati.model).toMatch(/EC25/);
      const version = await at.qgmr();
      expect(version.startsWith(ati.revision)).toBe(true);
      expect(version).toContain(modem.model.firmware.split('_')[0]!);
      const imei = await at.imei();
      expect(luhnValid(imei)).toBe(true);
      expect(imei).toBe(modelImeis(modem.model)[0]);
      expect(await at.cfun()).toBe(1);
      expect(await at.usbnet()).toBe(0);
      // The modem slips a URC in before every 5th answer: kept apart, the answers above parsed.
      expect(at.urcs).toContain('+QIND: SMS DONE');
    } finally {
      await at.close();
    }

    const events: string[] = [];
    const result = await enterEdl({
      dm: normal.dmOpener,
      edl: edl.opener,
      waitMs: 5000,
      pollMs: 50,
      keepOpen: true,
      onEvent: (e) => e.type === 'log' && events.push(e.message),
    });
    expect(events.join('\n')).toMatch(/accepted the switch/);
    const pipe = result.pipe!;
    try {
      const reader = new PipeReader(pipe);
      const header = readPacketHeader(await reader.readExact(8, { timeoutMs: 3000, what: 'Sahara HELLO' }));
      expect(header.command).toBe(SaharaCommand.HELLO);
      expect(header.length).toBe(HELLO_LENGTH);
      expect(modem.state).toBe('edl');
    } finally {
      await pipe.close();
    }
  });
});

describe.skipIf(!socatAvailable())('the commands against the virtual EC25 on pseudo-terminals', () => {
  it('`at` reads its version, `enter-edl` switches it and names the EDL tty', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'at-normal-pty-'));
    const normal = new PtyNormalPort();
    const edl = new PtyPort();
    const modem = new VirtualModem(
      { model: 'ec25', stateDir, mode: 'normal', normalPort: normal, reEnumerateDelayMs: 30 },
      edl,
    );
    await modem.start();
    cleanups.push(async () => {
      await modem.stop();
      await normal.dispose();
      await edl.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    });
    const io = (): CliIo & { text: () => string } => {
      let out = '';
      return {
        out: (t) => void (out += t),
        err: (t) => void (out += t),
        isTTY: false,
        columns: 80,
        signal: new AbortController().signal,
        text: () => out,
      };
    };
    const atIo = io();
    expect(await atCommand.run(['--port', normal.atPath, 'AT+QGMR'], atIo)).toBe(0);
    expect(atIo.text()).toMatch(new RegExp(`^${modem.model.firmware.split('_')[0]}\\S*\\nOK\\n`));
    const edlIo = io();
    expect(
      await enterEdlCommand.run(['--port', normal.dmPath, '--edl-port', edl.hostPath, '--wait', '10'], edlIo),
    ).toBe(0);
    expect(edlIo.text()).toContain(`The module is in download mode (EDL) on ${edl.hostPath}`);
    expect(modem.state).toBe('edl');
  });
});
