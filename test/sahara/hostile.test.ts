// The host against a scripted fake device: odd but legal situations, and hostile replies that
// must end in a clear error at once, never a hang or an allocation sized by the device.
import { describe, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import { saharaReadInfo, saharaUpload, type SaharaHostOptions } from '../../src-main/host/sahara-host.js';
import { fillPseudoRandom } from '../../src-main/sim/programmer-image.js';
import { createMemoryPipePair } from '../../src-main/transport/memory.js';
import { PipeReader } from '../../src-main/transport/pipe-reader.js';
import { Peer as FakeDevice, io } from './helpers.js';

const PROGRAMMER = new Uint8Array(4096).map((_, i) => i & 0xff);
const opts: SaharaHostOptions = { helloTimeoutMs: 150, packetTimeoutMs: 150 };

function rig(): { host: PipeReader; dev: FakeDevice } {
  const pair = createMemoryPipePair({ maxPacketSize: 512 });
  return { host: new PipeReader(pair.host), dev: new FakeDevice(pair.device) };
}

async function failure(p: Promise<unknown>): Promise<RescueError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RescueError) return e;
    throw e;
  }
  throw new Error('expected a RescueError');
}

function header(cmd: number, len: number, total = 8): Uint8Array {
  const b = new Uint8Array(total);
  new DataView(b.buffer).setUint32(0, cmd, true);
  new DataView(b.buffer).setUint32(4, len, true);
  return b;
}

/** HELLO, then (after the host's HELLO_RESP) `after`; returns the host's upload result or error. */
async function afterHello(
  after: (dev: FakeDevice) => Promise<void>,
  extra: SaharaHostOptions = {},
): Promise<RescueError> {
  const { host, dev } = rig();
  const run = failure(saharaUpload(host, PROGRAMMER, { ...opts, ...extra }));
  await dev.hello();
  expect(await dev.receive()).toMatchObject({ type: 'hello-resp', version: 2, versionCompatible: 1, mode: 0 });
  await after(dev);
  return run;
}

describe('Sahara host: situations a real module creates', () => {
  it('answers HELLO v2 even to a v3 device and serves a device that asks in any order', async () => {
    const { host, dev } = rig();
    const run = saharaUpload(host, PROGRAMMER, opts);
    await dev.send({ type: 'hello', version: 3, versionCompatible: 3, maxCommandPacketLength: 0x400, mode: 0 });
    expect(await dev.receive()).toMatchObject({
      type: 'hello-resp',
      version: 2,
      versionCompatible: 1,
      status: 0,
      mode: 0,
    });
    await dev.send({ type: 'read-data', imageId: 13, offset: 0x800, length: 0x10 });
    expect(Array.from(await dev.reader.readExact(0x10, io))).toEqual(Array.from(PROGRAMMER.subarray(0x800, 0x810)));
    await dev.send({ type: 'read-data-64', imageId: 13n, offset: 0n, length: 0x200n });
    expect(Array.from(await dev.reader.readExact(0x200, io))).toEqual(Array.from(PROGRAMMER.subarray(0, 0x200)));
    await dev.send({ type: 'end-of-image-tx', imageId: 13, status: 0 });
    expect(await dev.receive()).toEqual({ type: 'done' });
    await dev.send({ type: 'done-resp', imageTxStatus: 1 });
    expect(await run).toEqual({ kind: 'uploaded', bytesServed: 0x210, readRequests: 2 });
  });

  it('serves a READ_DATA that arrives first (device mid-upload from an earlier attempt)', async () => {
    const { host, dev } = rig();
    const run = saharaUpload(host, PROGRAMMER, opts);
    await dev.send({ type: 'read-data', imageId: 13, offset: 0, length: 52 });
    expect(Array.from(await dev.reader.readExact(52, io))).toEqual(Array.from(PROGRAMMER.subarray(0, 52)));
    await dev.send({ type: 'end-of-image-tx', imageId: 13, status: 0 });
    expect(await dev.receive()).toEqual({ type: 'done' });
    await dev.send({ type: 'done-resp', imageTxStatus: 1 });
    expect(await run).toMatchObject({ kind: 'uploaded', readRequests: 1 });
  });

  it('hands back Firehose XML untouched when a programmer already runs', async () => {
    const { host, dev } = rig();
    const xml = new TextEncoder().encode('<?xml version="1.0" ?><data><log value="hello" /></data>');
    await dev.raw(xml);
    expect(await saharaUpload(host, PROGRAMMER, opts)).toEqual({ kind: 'firehose-running' });
    expect(host.buffered).toBe(xml.length);
    expect(new TextDecoder().decode(await host.readExact(xml.length, io))).toBe(new TextDecoder().decode(xml));
  });

  it('fails with SAHARA_NO_HELLO after a speculative HELLO_RESP and a RESET when nothing answers', async () => {
    const { host, dev } = rig();
    const err = await failure(saharaUpload(host, PROGRAMMER, opts));
    expect(err.code).toBe('SAHARA_NO_HELLO');
    expect(err.message).toContain('answered a late HELLO response with nothing');
    expect(await dev.receive()).toMatchObject({ type: 'hello-resp', mode: 0 });
    expect(await dev.receive()).toEqual({ type: 'reset' });
  });

  it('fails with SAHARA_NO_HELLO, saying what the device answered instead', async () => {
    const { host, dev } = rig();
    const run = failure(saharaUpload(host, PROGRAMMER, opts));
    expect(await dev.receive()).toMatchObject({ type: 'hello-resp' });
    await dev.send({ type: 'end-of-image-tx', imageId: 13, status: 1 });
    const err = await run;
    expect(err.code).toBe('SAHARA_NO_HELLO');
    expect(err.message).toContain('did not expect at this point');
    expect(await dev.receive()).toEqual({ type: 'reset' });
  });

  it('explains crash-dump mode: HELLO mode 2 and a MEMORY_DEBUG packet', async () => {
    const a = rig();
    const first = failure(saharaUpload(a.host, PROGRAMMER, opts));
    await a.dev.hello(2);
    expect((await first).code).toBe('SAHARA_MEMORY_DEBUG');

    const err = await afterHello((dev) =>
      dev.send({ type: 'memory-debug', tableAddress: 0x8600000, tableLength: 0x100 }),
    );
    expect(err.code).toBe('SAHARA_MEMORY_DEBUG');
    const err64 = await afterHello((dev) =>
      dev.send({ type: 'memory-debug-64', tableAddress: 0x8600000n, tableLength: 0x100n }),
    );
    expect(err64.code).toBe('SAHARA_MEMORY_DEBUG');
  });

  it('blames the link, not the programmer, for a transfer timeout status', async () => {
    const err = await afterHello((dev) => dev.send({ type: 'end-of-image-tx', imageId: 13, status: 0x16 }));
    expect(err.code).toBe('SAHARA_IMAGE_REJECTED');
    expect(err.message).toContain('waited too long for data');
    expect(err.nextStep).toContain('USB 2 port');
  });

  it('treats DONE_RESP "more images pending" as a clear error', async () => {
    const err = await afterHello(async (dev) => {
      await dev.send({ type: 'end-of-image-tx', imageId: 13, status: 0 });
      await dev.receive();
      await dev.send({ type: 'done-resp', imageTxStatus: 0 });
    });
    expect(err.code).toBe('SAHARA_PROTOCOL');
    expect(err.message).toContain('another image');
  });

  it('uploads without the identity when the modem refuses command mode', async () => {
    const { host, dev } = rig();
    const run = saharaUpload(host, PROGRAMMER, { ...opts, readInfo: true });
    await dev.hello();
    expect(await dev.receive()).toMatchObject({ type: 'hello-resp', mode: 3 });
    await dev.send({ type: 'end-of-image-tx', imageId: 13, status: 0x18 });
    expect(await dev.receive()).toMatchObject({ type: 'hello-resp', mode: 0 });
    await dev.send({ type: 'read-data', imageId: 13, offset: 0, length: 4096 });
    await dev.reader.readExact(4096, io);
    await dev.send({ type: 'end-of-image-tx', imageId: 13, status: 0 });
    await dev.receive();
    await dev.send({ type: 'done-resp', imageTxStatus: 1 });
    expect(await run).toEqual({ kind: 'uploaded', bytesServed: 4096, readRequests: 1 });
  });

  it('stops at once when cancelled', async () => {
    const { host } = rig();
    const ac = new AbortController();
    const run = failure(saharaUpload(host, PROGRAMMER, { helloTimeoutMs: 60_000, signal: ac.signal }));
    setTimeout(() => ac.abort(), 20);
    expect((await run).code).toBe('CANCELLED');
  });

  it('skips an unsupported information request and reports the others', async () => {
    const { host, dev } = rig();
    const run = saharaReadInfo(host, opts);
    await dev.hello();
    expect(await dev.receive()).toMatchObject({ type: 'hello-resp', mode: 3 });
    await dev.send({ type: 'cmd-ready' });
    for (;;) {
      const p = await dev.receive();
      if (p.type === 'reset') break;
      if (p.type !== 'cmd-exec') throw new Error(p.type);
      if (p.clientCommand !== 3) {
        await dev.send({ type: 'end-of-image-tx', imageId: 13, status: 0x1f });
        continue;
      }
      await dev.send({ type: 'cmd-exec-resp', clientCommand: 3, responseLength: 64 });
      expect(await dev.receive()).toEqual({ type: 'cmd-exec-data', clientCommand: 3 });
      // The same 32-byte hash twice (once per root), as some modules answer.
      await dev.raw(new Uint8Array(64).fill(0xab));
    }
    expect(await run).toEqual({ saharaVersion: 2, pkHashes: ['ab'.repeat(32)] });
  });
});

describe('Sahara host: hostile replies end in SAHARA_PROTOCOL, never a hang', () => {
  it('READ_DATA past the end of the programmer', async () => {
    const err = await afterHello((dev) => dev.send({ type: 'read-data', imageId: 13, offset: 4000, length: 200 }));
    expect(err.code).toBe('SAHARA_PROTOCOL');
    expect(err.message).toContain('The modem asked for bytes 0xfa0 - 0x1068 of a 0x1000-byte programmer.');
  });

  it('READ_DATA with a huge length', async () => {
    const err = await afterHello((dev) => dev.send({ type: 'read-data', imageId: 13, offset: 0, length: 0xffffffff }));
    expect(err.code).toBe('SAHARA_PROTOCOL');
    expect(err.message).toContain('0xffffffff');
  });

  it('READ_DATA_64 beyond any file', async () => {
    const err = await afterHello((dev) =>
      dev.send({ type: 'read-data-64', imageId: 13n, offset: 2n ** 63n, length: 2n ** 63n }),
    );
    expect(err.code).toBe('SAHARA_PROTOCOL');
    expect(err.message).toContain('0x8000000000000000');
  });

  it('a READ_DATA larger than maxReadLength, even inside the file', async () => {
    const { host, dev } = rig();
    const run = failure(saharaUpload(host, PROGRAMMER, { ...opts, maxReadLength: 1024 }));
    await dev.hello();
    await dev.receive();
    await dev.send({ type: 'read-data', imageId: 13, offset: 0, length: 2048 });
    const err = await run;
    expect(err.code).toBe('SAHARA_PROTOCOL');
    expect(err.message).toContain('0x800 bytes in one request');
  });

  it('a length field of 0xFFFFFFFF', async () => {
    const err = await afterHello((dev) => dev.raw(header(3, 0xffffffff, 20)));
    expect(err.code).toBe('SAHARA_PROTOCOL');
    expect(err.message).toContain('03 00 00 00 ff ff ff ff');
  });

  it('a wrong length for the command', async () => {
    const err = await afterHello((dev) => dev.raw(header(3, 0x40, 0x40)));
    expect(err.code).toBe('SAHARA_PROTOCOL');
    expect(err.message).toContain('expected 0x14');
  });

  it('an unknown command', async () => {
    const err = await afterHello((dev) => dev.raw(header(0x99, 8)));
    expect(err.code).toBe('SAHARA_PROTOCOL');
    expect(err.message).toContain('unknown Sahara command 0x99');
  });

  it('a truncated packet', async () => {
    const err = await afterHello((dev) => dev.raw(header(3, 0x14, 12)));
    expect(err.code).toBe('SAHARA_PROTOCOL');
    expect(err.message).toContain('only 12 arrived');
  });

  it('a truncated header', async () => {
    const err = await afterHello((dev) => dev.raw([3, 0, 0]));
    expect(err.code).toBe('SAHARA_PROTOCOL');
    expect(err.message).toContain('03 00 00');
  });

  it('random garbage instead of a HELLO', async () => {
    const { host, dev } = rig();
    const junk = new Uint8Array(700);
    fillPseudoRandom(junk, 42);
    await dev.raw(junk);
    const err = await failure(saharaUpload(host, PROGRAMMER, opts));
    expect(err.code).toBe('SAHARA_PROTOCOL');
    expect(err.message).toMatch(/Bytes: ([0-9a-f]{2} ){7}/);
  });

  it('an EXEC_RESP announcing a huge answer', async () => {
    const { host, dev } = rig();
    const run = failure(saharaReadInfo(host, opts));
    await dev.hello();
    await dev.receive();
    await dev.send({ type: 'cmd-ready' });
    expect(await dev.receive()).toMatchObject({ type: 'cmd-exec' });
    await dev.send({ type: 'cmd-exec-resp', clientCommand: 1, responseLength: 0x7fffffff });
    const err = await run;
    expect(err.code).toBe('SAHARA_PROTOCOL');
    expect(err.message).toContain('2147483647-byte answer');
  });

  it('an EXEC answer shorter than announced', async () => {
    const { host, dev } = rig();
    const run = failure(saharaReadInfo(host, opts));
    await dev.hello();
    await dev.receive();
    await dev.send({ type: 'cmd-ready' });
    await dev.receive();
    await dev.send({ type: 'cmd-exec-resp', clientCommand: 1, responseLength: 4 });
    await dev.receive();
    await dev.raw([1, 2]);
    const err = await run;
    expect(err.code).toBe('SAHARA_PROTOCOL');
    expect(err.message).toContain('sent 2 of the 4 bytes');
  });

  it('a device that keeps re-reading the programmer', async () => {
    const err = await afterHello(
      async (dev) => {
        // 16 x the file plus one maximal read are served; the 18th whole re-read is refused.
        for (let i = 0; i < 18; i++) {
          await dev.send({ type: 'read-data', imageId: 13, offset: 0, length: 4096 });
          if (i < 17) await dev.reader.readExact(4096, io);
        }
      },
      { maxReadLength: 4096 },
    );
    expect(err.code).toBe('SAHARA_PROTOCOL');
    expect(err.message).toContain('keeps re-reading');
  });
});
