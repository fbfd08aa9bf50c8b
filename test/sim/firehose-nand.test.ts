import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultPlan, parseFault } from '../../src-main/sim/faults.js';
import {
  FIREHOSE_FUNCTIONS,
  runFirehoseNand,
  type FirehoseOutcome,
  type SimEvent,
} from '../../src-main/sim/firehose-nand.js';
import { MODELS } from '../../src-main/sim/models.js';
import { Nand } from '../../src-main/sim/nand.js';
import { equalBytes, fillPseudoRandom } from '../../src-main/sim/programmer-image.js';
import { createMemoryPipePair } from '../../src-main/transport/memory.js';
import { nandAttrs, ScriptedHost } from './scripted-host.js';

const model = MODELS.eg25g;
const PS = model.pageSize;

interface Rig {
  host: ScriptedHost;
  nand: Nand;
  done: Promise<FirehoseOutcome>;
  abort: AbortController;
  events: SimEvent[];
  disconnect(): void;
}

const rigs: Rig[] = [];

function rig(
  opts: { faults?: string[]; badBlocks?: number[]; hostSendsZlp?: boolean; maxPayloadSupported?: number } = {},
): Rig {
  const pair = createMemoryPipePair({ maxPacketSize: 512, hostSendsZlp: opts.hostSendsZlp ?? true });
  const nand = Nand.open({ model, totalBlocks: 16, badBlocks: opts.badBlocks ?? [] });
  const abort = new AbortController();
  const events: SimEvent[] = [];
  const done = runFirehoseNand(pair.device, {
    model,
    nand,
    faults: new FaultPlan((opts.faults ?? []).map(parseFault)),
    signal: abort.signal,
    onEvent: (e) => events.push(e),
    ...(opts.maxPayloadSupported ? { maxPayloadSupported: opts.maxPayloadSupported } : {}),
  });
  done.catch(() => undefined);
  const r = { host: new ScriptedHost(pair.host), nand, done, abort, events, disconnect: pair.disconnect };
  rigs.push(r);
  return r;
}

async function ready(opts: Parameters<typeof rig>[0] = {}): Promise<Rig> {
  const r = rig(opts);
  await r.host.startupLogs();
  expect((await r.host.configure()).ack).toBe(true);
  return r;
}

function data(pages: number, seed: number): Uint8Array {
  const b = new Uint8Array(pages * PS);
  fillPseudoRandom(b, seed);
  return b;
}

async function program(
  r: Rig,
  start: number,
  bytes: Uint8Array,
  chunk = 8192,
): Promise<{ ack: boolean; logs: string[]; attrs: Record<string, string> }> {
  const first = await r.host.cmd('program', nandAttrs(PS, start, bytes.length / PS, { filename: 'img.bin' }));
  expect(first).toMatchObject({ ack: true, rawmode: true });
  await r.host.writeData(bytes, chunk);
  const last = await r.host.reply();
  expect(last.rawmode).toBe(false);
  return last;
}

afterEach(() => {
  for (const r of rigs.splice(0)) {
    r.abort.abort();
    r.disconnect();
    r.nand.close();
  }
});

describe('virtual Firehose NAND programmer', () => {
  it('greets with the startup burst of a real programmer', async () => {
    const r = rig();
    const logs = await r.host.startupLogs();
    expect(logs[0]).toMatch(/^Binary build date: /);
    expect(logs[1]).toMatch(/^Chip serial num: /);
    expect(logs).toContain(`Supported Functions (${FIREHOSE_FUNCTIONS.length}):`);
    for (const f of ['program', 'read', 'erase', 'getsha256digest', 'getstorageinfo', 'power'])
      expect(logs).toContain(f);
    expect(logs[logs.length - 1]).toBe(`End of supported functions ${FIREHOSE_FUNCTIONS.length}`);
  });

  it('refuses work before configure except nop, getstorageinfo and power', async () => {
    const r = rig();
    await r.host.startupLogs();
    expect((await r.host.cmd('nop')).ack).toBe(true);
    const nak = await r.host.cmd('erase', nandAttrs(PS, 0, 64));
    expect(nak.ack).toBe(false);
    expect(nak.logs.join()).toMatch(/before <configure>/);
    expect((await r.host.cmd('getstorageinfo')).ack).toBe(true);
  });

  it('NAKs a too large payload with the size it accepts, then ACKs the renegotiation', async () => {
    const r = rig();
    await r.host.startupLogs();
    const nak = await r.host.configure(1048576);
    expect(nak.ack).toBe(false);
    expect(nak.logs.join()).toMatch(/Host's payload to target size is too large/);
    expect(nak.attrs.MaxPayloadSizeToTargetInBytes).toBe('8192');
    const ack = await r.host.configure(Number(nak.attrs.MaxPayloadSizeToTargetInBytes));
    expect(ack.ack).toBe(true);
    expect(ack.attrs).toMatchObject({
      MemoryName: 'NAND',
      MaxPayloadSizeToTargetInBytes: '8192',
      MaxPayloadSizeToTargetInBytesSupported: '8192',
      MaxXMLSizeInBytes: '4096',
      TargetName: '9x07',
    });
    expect(ack.attrs.MaxPayloadSizeFromTargetInBytes).toBeDefined();
    const emmc = await r.host.cmd('configure', { MemoryName: 'emmc', MaxPayloadSizeToTargetInBytes: 8192 });
    expect(emmc.ack).toBe(false);
  });

  it('programs through rawmode and reads the same bytes back, around a bad block', async () => {
    const r = await ready({ badBlocks: [1] });
    const img = data(70, 11); // spans logical blocks 1 and 2 = physical 2 and 3
    const done = await program(r, 64, img, 5000);
    expect(done.ack).toBe(true);
    expect(done.logs).toContain('Finished programming start_sector 64 and TotalSectorsToProgram 70');
    expect(equalBytes(r.nand.read(128, 70), img)).toBe(true);
    expect(r.nand.read(64, 64).every((b) => b === 0xff)).toBe(true);

    const rd = await r.host.cmd('read', nandAttrs(PS, 64, 70));
    expect(rd).toMatchObject({ ack: true, rawmode: true });
    expect(equalBytes(await r.host.readData(img.length), img)).toBe(true);
    expect(await r.host.reply()).toMatchObject({ ack: true, rawmode: false });
  });

  it('writes big transfers of odd sizes whole, across bad blocks', async () => {
    const r = rig({ badBlocks: [2, 3], maxPayloadSupported: 1 << 20 });
    await r.host.startupLogs();
    expect((await r.host.configure(1 << 20)).ack).toBe(true);
    const img = data(600, 12);
    expect((await program(r, 64, img, 300_001)).ack).toBe(true);
    expect(equalBytes(r.nand.readLogicalInto(64, new Uint8Array(img.length)), img)).toBe(true);
    expect(r.nand.read(128, 128).every((b) => b === 0xff)).toBe(true); // the bad blocks stay untouched
    expect(equalBytes(r.nand.read(64, 64), img.subarray(0, 64 * PS))).toBe(true);
    expect(equalBytes(r.nand.read(256, 64), img.subarray(64 * PS, 128 * PS))).toBe(true);
  });

  it('NAKs a program over pages that are not erased, after taking the data', async () => {
    const r = await ready();
    expect((await program(r, 0, data(4, 1))).ack).toBe(true);
    const again = await program(r, 2, data(4, 2));
    expect(again.ack).toBe(false);
    expect(again.logs.join()).toMatch(/not erased/);
    // The link is still in step: the next command is answered normally.
    expect((await r.host.cmd('nop')).ack).toBe(true);
  });

  it('validates program attributes against the geometry', async () => {
    const r = await ready();
    const wrongSize = await r.host.cmd('program', nandAttrs(4096, 0, 1));
    expect(wrongSize.ack).toBe(false);
    expect(wrongSize.logs.join()).toMatch(/SECTOR_SIZE_IN_BYTES/);
    const beyond = await r.host.cmd('program', nandAttrs(PS, 16 * 64 - 1, 2));
    expect(beyond.ack).toBe(false);
    expect(beyond.logs.join()).toMatch(/beyond the end/);
  });

  it('erases whole blocks only', async () => {
    const r = await ready();
    await program(r, 64, data(3, 4));
    const unaligned = await r.host.cmd('erase', nandAttrs(PS, 65, 64));
    expect(unaligned.ack).toBe(false);
    expect(unaligned.logs.join()).toMatch(/whole blocks/);
    expect(r.nand.isErased(64)).toBe(false);
    expect((await r.host.cmd('erase', nandAttrs(PS, 64, 64))).ack).toBe(true);
    expect(r.nand.isErased(64)).toBe(true);
  });

  it('reports a SHA-256 digest equal to the data programmed', async () => {
    const r = await ready();
    const img = data(9, 5);
    await program(r, 0, img);
    const d = await r.host.cmd('getsha256digest', nandAttrs(PS, 0, 9));
    expect(d.ack).toBe(true);
    expect(d.logs).toContain(`Digest ${createHash('sha256').update(img).digest('hex')}`);
  });

  it('describes the storage as JSON in a log', async () => {
    const r = await ready();
    const s = await r.host.cmd('getstorageinfo');
    const line = s.logs.find((l) => l.includes('storage_info'))!;
    expect(line.startsWith('{"storage_info"')).toBe(true);
    const info = JSON.parse(line) as { storage_info: Record<string, unknown> };
    expect(info.storage_info).toMatchObject({ total_blocks: 16, page_size: 2048, num_physical: 1, mem_type: 'NAND' });
  });

  it('applies DISK patches to the NAND and leaves file patches to the host', async () => {
    const r = await ready();
    await program(r, 0, data(2, 6));
    const p = await r.host.cmd('patch', {
      SECTOR_SIZE_IN_BYTES: PS,
      byte_offset: 8,
      filename: 'DISK',
      physical_partition_number: 0,
      size_in_bytes: 4,
      start_sector: 1,
      value: 'NUM_DISK_BLOCKS-3.',
    });
    expect(p.ack).toBe(true);
    const page = r.nand.read(1, 1);
    expect(new DataView(page.buffer).getUint32(8, true)).toBe(13);
    expect(equalBytes(r.nand.read(0, 1), data(2, 6).subarray(0, PS))).toBe(true);
    const f = await r.host.cmd('patch', {
      SECTOR_SIZE_IN_BYTES: PS,
      byte_offset: 12,
      filename: 'partition.mbn',
      size_in_bytes: 4,
      start_sector: 3,
      value: 'CRC32(0,4096)',
    });
    expect(f.ack).toBe(true);
    expect(f.logs.join()).toMatch(/ignored/);
  });

  it('ACKs an unknown tag with a warning and NAKs malformed XML', async () => {
    const r = await ready();
    const u = await r.host.cmd('frobnicate', { x: 1 });
    expect(u.ack).toBe(true);
    expect(u.logs.join()).toMatch(/frobnicate/);
    await r.host.sendRaw('<?xml version="1.0" ?><data><program SECTOR_SIZE_IN_BYTES="2048 /></data>');
    const bad = await r.host.reply();
    expect(bad.ack).toBe(false);
    expect(bad.logs.join()).toMatch(/XML/);
    expect((await r.host.cmd('nop')).ack).toBe(true);
    // Bytes that never close a document are refused once they pass the framing limit.
    await r.host.writeData(new Uint8Array(80 * 1024).fill(0x41), 16 * 1024);
    const junk = await r.host.reply();
    expect(junk.ack).toBe(false);
    expect((await r.host.cmd('nop')).ack).toBe(true);
  });

  it('ends with the power mode after ACKing it', async () => {
    const r = await ready();
    expect((await r.host.cmd('power', { value: 'reset' })).ack).toBe(true);
    await expect(r.done).resolves.toEqual({ kind: 'power', mode: 'reset' });
  });
});

describe('programmer faults', () => {
  it('stall@BYTES stops consuming data: the program is never answered', async () => {
    const r = await ready({ faults: ['stall@16k'] });
    expect((await r.host.cmd('program', nandAttrs(PS, 0, 32))).rawmode).toBe(true);
    await r.host.writeData(data(32, 1));
    await expect(r.host.reply(300)).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
    expect(r.events.some((e) => e.type === 'fault' && e.fault.kind === 'stall')).toBe(true);
    r.abort.abort();
    await expect(r.done).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('disconnect@BYTES drops off the bus mid-data', async () => {
    const r = await ready({ faults: ['disconnect@10000'] });
    await r.host.cmd('program', nandAttrs(PS, 0, 16));
    await r.host.writeData(data(16, 1));
    await expect(r.done).resolves.toEqual({ kind: 'disconnect' });
  });

  it('nak-program@N NAKs that program with AttemptRetry, and the retry succeeds', async () => {
    const r = await ready({ faults: ['nak-program@2'] });
    expect((await program(r, 0, data(2, 1))).ack).toBe(true);
    const img = data(3, 2);
    const nak = await program(r, 64, img);
    expect(nak.ack).toBe(false);
    expect(nak.attrs.AttemptRetry).toBe('1');
    expect(nak.logs.join()).toMatch(/Failed to write/);
    expect((await program(r, 64, img)).ack).toBe(true);
    expect(equalBytes(r.nand.read(64, 3), img)).toBe(true);
  });

  it('need-zlp hangs a host that sends no ZLP, but not one that does', async () => {
    const bad = await ready({ faults: ['need-zlp'], hostSendsZlp: false });
    await bad.host.cmd('program', nandAttrs(PS, 0, 8));
    await bad.host.writeData(data(8, 1), 8192);
    await expect(bad.host.reply(300)).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
    expect(bad.events.some((e) => e.type === 'fault' && e.fault.kind === 'need-zlp')).toBe(true);

    const good = await ready({ faults: ['need-zlp'], hostSendsZlp: true });
    expect((await program(good, 0, data(8, 1))).ack).toBe(true);
    // Transfers that do not end on a packet boundary need no ZLP.
    const odd = await ready({ faults: ['need-zlp'], hostSendsZlp: false });
    expect((await program(odd, 0, data(8, 1), 5000)).ack).toBe(true);
  });

  it('slow-ack delays the final ACK, and an abort cuts the wait', async () => {
    const r = await ready({ faults: ['slow-ack=0.4'] });
    await r.host.send('nop');
    await expect(r.host.reply(100)).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
    expect((await r.host.reply(3000)).ack).toBe(true);
    await r.host.send('nop');
    r.abort.abort();
    await expect(r.done).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('log-flood sends hundreds of logs before each response', async () => {
    const r = rig({ faults: ['log-flood'] });
    await r.host.startupLogs();
    const c = await r.host.configure();
    expect(c.ack).toBe(true);
    expect(c.logs.length).toBeGreaterThanOrEqual(200);
  });

  it('garbage-reply@N answers that command with non-XML bytes and skips it', async () => {
    const r = rig({ faults: ['garbage-reply@2'] });
    await r.host.startupLogs();
    expect((await r.host.configure()).ack).toBe(true);
    await r.host.send('erase', nandAttrs(PS, 0, 64));
    const junk = await r.host.pipe.read(4096, { timeoutMs: 1000 });
    expect(junk.length).toBeGreaterThan(0);
    expect(junk.includes(0x3c)).toBe(false);
    expect((await r.host.cmd('nop')).ack).toBe(true);
    expect(r.nand.ops.some((o) => o.op === 'erase')).toBe(false);
  });
});
