// Each programmer profile says and does what its sources show (src-main/sim/PROGRAMMERS.md),
// checked with a scripted host at the device's edge.

import { afterEach, describe, expect, it } from 'vitest';
import { FaultPlan } from '../../src-main/sim/faults.js';
import { runFirehoseNand } from '../../src-main/sim/firehose-nand.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { MODELS } from '../../src-main/sim/models.js';
import { Nand } from '../../src-main/sim/nand.js';
import { fillPseudoRandom, makeProgrammerElf } from '../../src-main/sim/programmer-image.js';
import { getProgrammerProfile, PROGRAMMER_NAMES, type ProgrammerName } from '../../src-main/sim/programmer-profiles.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';
import { createMemoryPipePair } from '../../src-main/transport/memory.js';
import type { BulkPipe } from '../../src-main/transport/transport.js';
import { nandAttrs, ScriptedHost } from './scripted-host.js';

const model = MODELS.eg25g;
const PS = model.pageSize;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function programmer(name: ProgrammerName): ScriptedHost {
  const nand = Nand.open({ model, totalBlocks: 16 });
  const pair = createMemoryPipePair({ maxPacketSize: 512 });
  const stop = new AbortController();
  const run = runFirehoseNand(pair.device, {
    model,
    nand,
    faults: new FaultPlan([]),
    signal: stop.signal,
    profile: getProgrammerProfile(name),
  });
  run.catch(() => undefined);
  cleanups.push(() => {
    stop.abort();
    pair.disconnect();
    nand.close();
  });
  return new ScriptedHost(pair.host, 3000);
}

async function configured(name: ProgrammerName): Promise<ScriptedHost> {
  const h = programmer(name);
  await h.startupLogs();
  expect((await h.configure(8192)).ack).toBe(true);
  return h;
}

const strip = (l: string): string => l.replace(/^INFO: /, '');

describe('every profile', () => {
  it.each(PROGRAMMER_NAMES)(
    '%s: a configure NAK carries the same attributes as its ACK, with the size it takes',
    async (name) => {
      const h = programmer(name);
      await h.startupLogs();
      const nak = await h.configure(1024 * 1024);
      expect(nak.ack).toBe(false);
      expect(nak.logs.map(strip).join('\n')).toMatch(/Host's payload to target size is too large/);
      expect(nak.attrs.MaxPayloadSizeToTargetInBytes).toBe('8192');
      const ack = await h.configure(8192);
      expect(ack.ack).toBe(true);
      expect(Object.keys(nak.attrs)).toEqual(Object.keys(ack.attrs));
      expect(nak.attrs.MemoryName).toBeDefined();
    },
  );
});

describe('mdm9x07-legacy (bkerler/edl issues 546, 714, 108)', () => {
  it('lists 8 functions, no getsha256digest and no patch', async () => {
    const logs = await programmer('mdm9x07-legacy').startupLogs();
    expect(logs).toContain('INFO: Supported Functions (8):');
    expect(logs.filter((l) => /^INFO: [a-z0-9]+$/.test(l)).map(strip)).toEqual([
      'program',
      'configure',
      'power',
      'benchmark',
      'read',
      'getstorageinfo',
      'erase',
      'nop',
    ]);
  });

  it('ACKs configure without Version and MaxPayloadSizeFromTargetInBytes', async () => {
    const h = programmer('mdm9x07-legacy');
    await h.startupLogs();
    const ack = await h.configure(8192);
    expect(ack.attrs).toMatchObject({ MemoryName: 'NAND', TargetName: '9x07', MaxPayloadSizeToTargetInBytes: '8192' });
    expect(ack.attrs.Version).toBeUndefined();
    expect(ack.attrs.MaxPayloadSizeFromTargetInBytes).toBeUndefined();
  });

  it('ACKs getstorageinfo with key=value lines and no storage JSON', async () => {
    const h = await configured('mdm9x07-legacy');
    const si = await h.cmd('getstorageinfo', { physical_partition_number: 0 });
    expect(si.ack).toBe(true);
    expect(si.logs).toEqual([
      `INFO: SECTOR_SIZE_IN_BYTES=${PS}`,
      `INFO: num_partition_sectors=${16 * 64}`,
      'INFO: num_physical_partitions=1',
    ]);
    expect(si.logs.join()).not.toMatch(/storage_info|\{/);
  });

  it('answers getsha256digest and patch as unrecognized tags: a warning and an ACK, no Digest line', async () => {
    const h = await configured('mdm9x07-legacy');
    const d = await h.cmd('getsha256digest', nandAttrs(PS, 0, 64));
    expect(d).toMatchObject({
      ack: true,
      logs: ["INFO: WARNING: Ignoring unrecognized tag 'getsha256digest'. Continuing."],
    });
    expect(
      (
        await h.cmd('patch', { filename: 'DISK', start_sector: 0, byte_offset: 0, size_in_bytes: 4, value: 1 })
      ).logs.join(),
    ).toMatch(/unrecognized tag 'patch'/);
  });

  it('words a sector-size mismatch as the 9x07 loader does (edl issue 714)', async () => {
    const h = await configured('mdm9x07-legacy');
    const r = await h.cmd('read', { ...nandAttrs(512, 0, 1) });
    expect(r.ack).toBe(false);
    expect(r.logs.join()).toContain(`Attribute 'SECTOR_SIZE_IN_BYTES'=512 must be equal to disk sector size ${PS}`);
  });
});

describe('no-digest', () => {
  it('does not list getsha256digest; asked anyway, it warns and ACKs without a digest', async () => {
    const h = programmer('no-digest');
    const logs = await h.startupLogs();
    expect(logs).not.toContain('getsha256digest');
    expect(logs).toContain('getstorageinfo');
    await h.configure(8192);
    const d = await h.cmd('getsha256digest', nandAttrs(PS, 0, 64));
    expect(d.ack).toBe(true);
    expect(d.logs.join()).not.toMatch(/Digest [0-9a-f]{64}/i);
    expect((await h.cmd('getstorageinfo', { physical_partition_number: 0 })).logs.join()).toMatch(/"storage_info"/);
  });
});

describe("qualcomm-handleconfigure (Qualcomm's deviceprogrammer_firehose.c)", () => {
  it("answers configure with handleConfigure's eight attributes in its order, no rawmode, the bare log, then the logbuf line once", async () => {
    const h = programmer('qualcomm-handleconfigure');
    await h.startupLogs();
    const nak = await h.configure(1024 * 1024);
    expect(nak.logs).toEqual(["Host's payload to target size is too large"]);
    expect(Object.keys(nak.attrs)).toEqual([
      'value',
      'MinVersionSupported',
      'MemoryName',
      'MaxPayloadSizeFromTargetInBytes',
      'MaxPayloadSizeToTargetInBytes',
      'MaxPayloadSizeToTargetInBytesSupported',
      'MaxXMLSizeInBytes',
      'Version',
      'TargetName',
    ]);
    const nop = await h.cmd('nop');
    expect(nop.logs).toEqual([expect.stringMatching(/^logbuf@0x[0-9A-F]{8} fh@0x[0-9A-F]{8}$/)]);
    expect((await h.cmd('nop')).logs).toEqual([]);
  });

  it('logs "Finished sector address" after a program\'s data', async () => {
    const h = await configured('qualcomm-handleconfigure');
    const first = await h.cmd('program', nandAttrs(PS, 64, 3));
    expect(first.rawmode).toBe(true);
    const data = new Uint8Array(3 * PS);
    fillPseudoRandom(data, 9);
    await h.writeData(data);
    const last = await h.reply();
    expect(last).toMatchObject({ ack: true, rawmode: false, logs: ['Finished sector address 67'] });
  });
});

describe('quectel-sdx-nand (QFirehose log/MCU_local, log/pcie_mhi)', () => {
  it('calls a handler per command, reopens the NAND on later erases, and logs the reset after its ACK', async () => {
    const h = await configured('quectel-sdx-nand');
    const e1 = await h.cmd('erase', nandAttrs(PS, 0, 64));
    expect(e1.logs).toEqual(['INFO: Calling handler for erase', 'INFO: Erasing start sector 0, num sectors 0']);
    const e2 = await h.cmd('erase', nandAttrs(PS, 64, 64));
    expect(e2.logs).toEqual([
      'INFO: Calling handler for erase',
      'INFO: NAND was previously open, returning existing handle 0.',
      'INFO: Erasing start sector 64, num sectors 0',
    ]);
    const p = await h.cmd('power', { value: 'reset' });
    expect(p).toMatchObject({ ack: true, logs: ['INFO: Calling handler for power'] });
  });
});

/** HELLO .. END_OF_IMAGE_TX with the test's own minimal Sahara host, then DONE; returns the pipe. */
async function uploadUntilDone(pipe: BulkPipe, image: Uint8Array): Promise<void> {
  const io = { timeoutMs: 3000 };
  const word = (b: Uint8Array, i: number): number => new DataView(b.buffer, b.byteOffset).getUint32(4 * i, true);
  const packet = (...w: number[]): Uint8Array => {
    const b = new Uint8Array(w[1]!);
    w.forEach((v, i) => new DataView(b.buffer).setUint32(4 * i, v, true));
    return b;
  };
  await pipe.read(4096, io); // HELLO
  await pipe.write(packet(2, 0x30, 2, 1, 0, 0), io);
  for (;;) {
    const p = await pipe.read(4096, io);
    if (word(p, 0) === 4) break; // END_OF_IMAGE_TX
    await pipe.write(image.subarray(word(p, 3), word(p, 3) + word(p, 4)), io);
  }
  await pipe.write(packet(5, 8), io); // DONE
}

describe('when the first logs leave the device', () => {
  async function modemWith(name: ProgrammerName): Promise<BulkPipe> {
    const bus = new MemoryBus();
    const modem = new VirtualModem({ model: 'eg25g', programmer: name, reEnumerateDelayMs: 50 }, bus);
    await modem.start();
    const pipe = await bus.opener.open({ timeoutMs: 3000 });
    cleanups.push(async () => {
      await pipe.close();
      await modem.stop();
    });
    await uploadUntilDone(pipe, makeProgrammerElf({ pkHash: model.pkHash, size: 48 * 1024 }));
    return pipe;
  }

  it('quectel-sdx-nand-eager: DONE_RESP and the whole startup burst in one read', async () => {
    const pipe = await modemWith('quectel-sdx-nand-eager');
    const one = await pipe.read(64 * 1024, { timeoutMs: 3000 });
    expect(Buffer.from(one.subarray(0, 12)).toString('hex')).toBe('060000000c00000001000000');
    const text = new TextDecoder().decode(one.subarray(12));
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8" ?><data><log value="INFO: Binary build date')).toBe(
      true,
    );
    expect(text.endsWith('<log value="INFO: End of supported functions 15" /></data>')).toBe(true);
  });

  it('quectel-sdx-nand: DONE_RESP alone, the first log about a second later', async () => {
    const pipe = await modemWith('quectel-sdx-nand');
    const done = await pipe.read(64 * 1024, { timeoutMs: 3000 });
    const t0 = performance.now();
    expect(Buffer.from(done).toString('hex')).toBe('060000000c00000001000000');
    const first = await pipe.read(64 * 1024, { timeoutMs: 3000 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900);
    expect(new TextDecoder().decode(first)).toContain('Binary build date');
  });
});
