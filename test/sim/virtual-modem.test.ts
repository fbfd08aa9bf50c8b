import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Fault } from '../../src-main/sim/faults.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { makeMibib } from '../../src-main/sim/make-package.js';
import { MODELS } from '../../src-main/sim/models.js';
import { makeProgrammerElf } from '../../src-main/sim/programmer-image.js';
import { VirtualPowerSwitch } from '../../src-main/sim/virtual-power-switch.js';
import { VirtualModem, type ModemState, waitForState as waitModemState } from '../../src-main/sim/virtual-modem.js';
import type { BulkPipe } from '../../src-main/transport/transport.js';
import { nandAttrs, saharaUpload, ScriptedHost } from './scripted-host.js';

const model = MODELS.eg25g;
const PS = model.pageSize;
const modems: VirtualModem[] = [];

function makeModem(opts: { faults?: Fault[]; badBlocks?: number[] } = {}): { modem: VirtualModem; bus: MemoryBus } {
  const bus = new MemoryBus();
  const modem = new VirtualModem({ model: 'eg25g', totalBlocks: 256, reEnumerateDelayMs: 20, ...opts }, bus);
  modems.push(modem);
  return { modem, bus };
}

async function waitForState(modem: VirtualModem, want: ModemState, timeoutMs = 3000): Promise<void> {
  if (!(await waitModemState(modem, want, timeoutMs))) throw new Error(`modem stayed ${modem.state}, expected ${want}`);
}

/** Open the bus, upload the signed programmer over Sahara, configure Firehose. */
async function intoFirehose(bus: MemoryBus): Promise<{ pipe: BulkPipe; host: ScriptedHost }> {
  const pipe = await bus.opener.open({ timeoutMs: 3000 });
  expect(await saharaUpload(pipe, makeProgrammerElf({ pkHash: model.pkHash, size: 64 * 1024 }))).toBe(0);
  const host = new ScriptedHost(pipe);
  await host.startupLogs();
  expect((await host.configure()).ack).toBe(true);
  return { pipe, host };
}

async function programImage(host: ScriptedHost, startPage: number, image: Uint8Array, label: string): Promise<void> {
  const pages = Math.ceil(image.length / PS);
  const padded = new Uint8Array(pages * PS);
  padded.set(image);
  expect((await host.cmd('program', nandAttrs(PS, startPage, pages, { filename: label }))).rawmode).toBe(true);
  await host.writeData(padded);
  expect((await host.reply()).ack).toBe(true);
}

/** The boot chain images and the MIBIB as shipped: what the module needs to boot. */
function bootImages(): { name: string; start: number; image: Uint8Array }[] {
  const mibib = model.layout.find((p) => p.name === 'mibib')!;
  const chain = model.layout
    .filter((p) => p.bootChain)
    .map((p, i) => ({
      name: p.name,
      start: p.startPage,
      image: makeProgrammerElf({ pkHash: model.pkHash, size: 40 * 1024, seed: 100 + i }),
    }));
  return [...chain, { name: 'mibib', start: mibib.startPage, image: makeMibib(model) }];
}

afterEach(async () => {
  for (const m of modems.splice(0)) await m.stop();
});

describe('virtual modem life cycle', () => {
  it('boots after a reset when the whole boot chain is signed and intact, SBL programmed last', async () => {
    const { modem, bus } = makeModem();
    await modem.start();
    expect(modem.state).toBe('edl');
    const { host } = await intoFirehose(bus);
    expect(modem.state).toBe('firehose');
    const images = bootImages();
    const sbl = images.find((i) => i.name === 'sbl')!;
    for (const img of images.filter((i) => i !== sbl)) await programImage(host, img.start, img.image, img.name);
    await programImage(host, sbl.start, sbl.image, sbl.name);
    expect(modem.nand.ops[modem.nand.ops.length - 1]).toMatchObject({ op: 'program', startPage: 0, label: 'sbl' });
    expect(modem.bootChainIntact()).toEqual({ ok: true, problems: [] });
    expect((await host.cmd('power', { value: 'reset' })).ack).toBe(true);
    await waitForState(modem, 'booted');
    expect(modem.bootedFirmware).toBe(model.firmware);
    // Booted means off the EDL bus.
    await expect(bus.opener.open({ timeoutMs: 100 })).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
  });

  it('comes back in EDL after a reset when SBL is missing', async () => {
    const { modem, bus } = makeModem();
    await modem.start();
    const { host } = await intoFirehose(bus);
    for (const img of bootImages().filter((i) => i.name !== 'sbl'))
      await programImage(host, img.start, img.image, img.name);
    expect(modem.bootChainIntact().problems).toEqual(['sbl: is erased (no image)']);
    await host.cmd('power', { value: 'reset' });
    await waitForState(modem, 'rebooting');
    await waitForState(modem, 'edl');
    expect(modem.bootedFirmware).toBeUndefined();
    // The PBL greets again: a fresh upload works.
    await intoFirehose(bus);
  });

  it('comes back in EDL when SBL is garbled', async () => {
    const { modem, bus } = makeModem();
    await modem.start();
    const { host } = await intoFirehose(bus);
    for (const img of bootImages()) {
      if (img.name === 'sbl') img.image[img.image.length - 100]! ^= 0x01;
      await programImage(host, img.start, img.image, img.name);
    }
    const chain = modem.bootChainIntact();
    expect(chain.ok).toBe(false);
    expect(chain.problems.join()).toMatch(/^sbl: hash-mismatch/);
    await host.cmd('power', { value: 'reset' });
    await waitForState(modem, 'rebooting');
    await waitForState(modem, 'edl');
  });

  it('reads the boot chain through the bad-block mapping', async () => {
    const { modem, bus } = makeModem({ badBlocks: [3] });
    await modem.start();
    const { host } = await intoFirehose(bus);
    for (const img of bootImages()) await programImage(host, img.start, img.image, img.name);
    expect(modem.bootChainIntact().ok).toBe(true);
  });

  it('re-enumerates in EDL after the disconnect fault, and the next run succeeds', async () => {
    const { modem, bus } = makeModem({ faults: [{ kind: 'disconnect', atBytes: 8192 }] });
    await modem.start();
    const first = await intoFirehose(bus);
    await first.host.cmd('program', nandAttrs(PS, 0, 16));
    await expect(first.host.writeData(new Uint8Array(16 * PS)).then(() => first.host.reply())).rejects.toMatchObject({
      code: 'DEVICE_DISCONNECTED',
    });
    await waitForState(modem, 'edl');
    const second = await intoFirehose(bus);
    expect((await second.host.cmd('nop')).ack).toBe(true);
  });

  it('keeps the programmer running when the host closes and reopens the port', async () => {
    const { modem, bus } = makeModem();
    await modem.start();
    const first = await intoFirehose(bus);
    await first.pipe.close();
    const pipe = await bus.opener.open({ timeoutMs: 1000 });
    const host = new ScriptedHost(pipe);
    expect((await host.cmd('nop')).ack).toBe(true);
    expect(modem.state).toBe('firehose');
  });

  it('a power cycle brings a stalled module back in EDL', async () => {
    const { modem, bus } = makeModem({ faults: [{ kind: 'stall', atBytes: 4096 }] });
    await modem.start();
    const { host } = await intoFirehose(bus);
    await host.cmd('program', nandAttrs(PS, 0, 8));
    await host.writeData(new Uint8Array(8 * PS));
    await expect(host.reply(200)).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
    modem.powerCycle({ edl: true });
    await waitForState(modem, 'rebooting');
    await waitForState(modem, 'edl');
    await intoFirehose(bus);
  });

  it('a USB re-enumeration leaves a stalled module hung and silent; cutting its port power brings it back', async () => {
    const { modem, bus } = makeModem({ faults: [{ kind: 'stall', atBytes: 4096 }] });
    await modem.start();
    const { host } = await intoFirehose(bus);
    await host.cmd('program', nandAttrs(PS, 0, 8));
    await host.writeData(new Uint8Array(8 * PS));
    await expect(host.reply(200)).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
    await host.pipe.close();

    const reauthorize = new VirtualPowerSwitch(modem, 'usb-reauthorize');
    expect(reauthorize.cutsPower).toBe(false);
    await reauthorize.cycle({ timeoutMs: 1000 });
    // Back on the bus, but nothing on the module reads: no HELLO, no answer to <nop/>.
    const again = await bus.opener.open({ timeoutMs: 1000 });
    await expect(again.read(4096, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
    await again.write(new TextEncoder().encode('<?xml version="1.0" ?><data><nop /></data>'), { timeoutMs: 300 });
    await expect(again.read(4096, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
    expect(modem.state).toBe('firehose');
    await again.close();

    const port = new VirtualPowerSwitch(modem, 'port-power');
    expect(port.cutsPower).toBe(true);
    await port.cycle({ timeoutMs: 1000 });
    await waitForState(modem, 'rebooting');
    await waitForState(modem, 'edl');
    await intoFirehose(bus); // a HELLO again, and a working programmer
  });

  it('keeps its NAND in the state folder across instances', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'modem-state-'));
    try {
      const a = new VirtualModem(
        { model: 'eg25g', totalBlocks: 256, reEnumerateDelayMs: 20, stateDir: dir },
        new MemoryBus(),
      );
      await a.start();
      const { host } = await intoFirehose(a.port as MemoryBus);
      for (const img of bootImages()) await programImage(host, img.start, img.image, img.name);
      await a.stop();
      const b = new VirtualModem({ model: 'eg25g', totalBlocks: 256, stateDir: dir }, new MemoryBus());
      modems.push(b);
      expect(b.bootChainIntact().ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stays off after power off until the power is cycled, then boots', async () => {
    const { modem, bus } = makeModem();
    await modem.start();
    const { host } = await intoFirehose(bus);
    for (const img of bootImages()) await programImage(host, img.start, img.image, img.name);
    const ops: string[] = [];
    modem.on('op', (op: { op: string }) => ops.push(op.op));
    expect((await host.cmd('erase', nandAttrs(PS, 30 * 64, 64))).ack).toBe(true);
    expect(ops).toEqual(['erase']);
    expect((await host.cmd('power', { value: 'off' })).ack).toBe(true);
    await waitForState(modem, 'off');
    await expect(bus.opener.open({ timeoutMs: 50 })).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    modem.powerCycle();
    await waitForState(modem, 'booted');
  });

  it('stop powers off and drops off the bus', async () => {
    const { modem, bus } = makeModem();
    await modem.start();
    await modem.stop();
    expect(modem.state).toBe('off');
    expect(modem.nand.isOpen).toBe(false);
    await expect(bus.opener.open({ timeoutMs: 50 })).rejects.toMatchObject({ code: 'DEVICE_NOT_FOUND' });
  });
});
