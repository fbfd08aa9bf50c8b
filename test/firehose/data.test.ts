import { afterEach, describe, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import { FirehoseNakError } from '../../src-main/host/firehose-host.js';
import type { LinkDelay } from '../../src-main/transport/memory.js';
import { cancelledError } from '../../src-main/util/deadline.js';
import { responseDoc } from './fake-device.js';
import { bytesSource, configured, makeRig, NAND, pattern, sameBytes, stopRigs } from './helpers.js';
import { rejection } from '../helpers/rejection.js';

afterEach(stopRigs);

const part = { ...NAND, startSector: 640, numSectors: 640, filename: 'tz.mbn' };

describe('program', () => {
  it('sends the file sectors, the file and zero padding, in payload-sized writes each followed by a ZLP', async () => {
    const rig = makeRig();
    await configured(rig, 8192);
    const file = pattern(5 * 8192 + 1000);
    const progress: number[] = [];
    await rig.session.program(part, bytesSource(file), (n) => progress.push(n));
    await rig.session.nop(); // the device has now read everything the host sent before it
    const cmd = rig.dev.commands[1]!;
    expect(cmd.tag).toBe('program');
    expect(cmd.attrs).toMatchObject({
      num_partition_sectors: '21',
      start_sector: '640',
      SECTOR_SIZE_IN_BYTES: '2048',
      PAGES_PER_BLOCK: '64',
      filename: 'tz.mbn',
    });
    const got = rig.dev.programmed[0]!;
    expect(got.length).toBe(21 * 2048);
    expect(sameBytes(got.subarray(0, file.length), file)).toBe(true);
    expect(got.subarray(file.length).every((b) => b === 0)).toBe(true);
    // 5 full payloads and a 2048-byte tail (the padded last sector); every one is a multiple of
    // 512 bytes, so every one is followed by a zero-length packet
    expect(rig.dev.rawTransfers).toEqual([8192, 0, 8192, 0, 8192, 0, 8192, 0, 8192, 0, 2048, 0]);
    expect(progress.at(-1)).toBe(file.length);
  });

  it('sends no ZLPs over a link that does not, and says so in configure', async () => {
    const rig = makeRig({ hostSendsZlp: false });
    await configured(rig, 8192);
    expect(rig.dev.commands[0]!.attrs.ZlpAwareHost).toBe('0');
    await rig.session.program(part, bytesSource(pattern(3 * 8192)));
    await rig.session.nop();
    // No transfer but the last ends on a packet boundary: a short packet ends each, no ZLP needed.
    const sizes = rig.dev.rawTransfers;
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(3 * 8192);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(8192);
    expect(sizes.slice(0, -1).every((n) => n % 512 !== 0)).toBe(true);
    expect(sizes).toEqual([8191, 8191, 8191, 3]);
    expect(sameBytes(rig.dev.programmed[0]!.subarray(0, 3 * 8192), pattern(3 * 8192))).toBe(true);
  });

  it('never writes more than the payload, across source blocks, and reads the source in large blocks', async () => {
    const rig = makeRig();
    rig.dev.maxPayload = 12288; // not a power of two: chunks stay whole sectors
    await configured(rig, 12288);
    const file = pattern(3 * 1024 * 1024 + 4097, 7);
    const src = bytesSource(file);
    await rig.session.program({ ...part, numSectors: 4000 }, src);
    await rig.session.nop();
    const sizes = rig.dev.rawTransfers.filter((n) => n > 0);
    expect(Math.max(...sizes)).toBe(12288);
    expect(sizes.every((n) => n % 2048 === 0)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(Math.ceil(file.length / 2048) * 2048);
    expect(sameBytes(rig.dev.programmed[0]!.subarray(0, file.length), file)).toBe(true);
    expect(src.reads.length).toBeLessThanOrEqual(5);
    expect(Math.max(...src.reads)).toBeGreaterThanOrEqual(1024 * 1024 - 12288);
  });

  it('refuses a file larger than its partition before sending anything', async () => {
    const rig = makeRig();
    await configured(rig);
    const e = await rejection(rig.session.program({ ...part, numSectors: 2 }, bytesSource(new Uint8Array(4097))));
    expect(e.code).toBe('PACKAGE_FILE_TOO_LARGE');
    expect(e.message).toContain('tz.mbn');
    expect(rig.dev.commands.map((c) => c.tag)).toEqual(['configure']);
  });

  it('refuses to program before configure', async () => {
    const rig = makeRig();
    expect((await rejection(rig.session.program(part, bytesSource(new Uint8Array(10))))).code).toBe('INTERNAL');
  });

  it('a NAK after the data carries AttemptRetry and the device log', async () => {
    const rig = makeRig();
    await configured(rig);
    rig.dev.handlers.program = async (cmd, d) => {
      await d.respond(true, { rawmode: 'true' });
      await d.readRaw(Number(cmd.attrs.num_partition_sectors) * 2048);
      await d.log('ERROR: Write failed at sector 642');
      await d.respond(false, { rawmode: 'false', AttemptRetry: '1' });
    };
    const e = (await rejection(rig.session.program(part, bytesSource(pattern(9000))))) as FirehoseNakError;
    expect(e).toBeInstanceOf(FirehoseNakError);
    expect(e.attemptRetry).toBe(true);
    expect(e.message).toContain('Write failed at sector 642');
  });

  it('an ACK without raw mode is a protocol error, not a blind data dump', async () => {
    const rig = makeRig();
    await configured(rig);
    rig.dev.handlers.program = (_, d) => d.respond(true);
    expect((await rejection(rig.session.program(part, bytesSource(pattern(100))))).code).toBe('FIREHOSE_PROTOCOL');
  });

  it('a source that ends early is a host error', async () => {
    const rig = makeRig();
    await configured(rig);
    const short = { size: 10_000, read: () => Promise.resolve(new Uint8Array(100)) };
    expect((await rejection(rig.session.program(part, short))).code).toBe('HOST_IO');
    const other = makeRig();
    await configured(other);
    const broken = { size: 10_000, read: () => Promise.reject(new Error('EIO: i/o error')) };
    const e = await rejection(other.session.program(part, broken));
    expect(e.code).toBe('HOST_IO');
    expect(e.message).toContain('EIO');
  });

  it('after a transfer stopped half-way the session refuses commands the programmer would take as data', async () => {
    const rig = makeRig();
    await configured(rig);
    const short = { size: 10_000, read: () => Promise.resolve(new Uint8Array(100)) };
    await rejection(rig.session.program(part, short));
    const e = await rejection(rig.session.nop());
    expect(e.code).toBe('FIREHOSE_PROTOCOL');
    expect(e.message).toContain('still waiting for the rest of the data of <program> of tz.mbn');
    expect(rig.dev.commands.map((c) => c.tag)).toEqual(['configure', 'program']);
  });

  it('a transfer that stops moving is DEVICE_STALLED, not a hang', async () => {
    let passed = 0;
    const stallAfter = 4 * 8192;
    const link: LinkDelay = {
      transfer: (bytes, signal) => {
        passed += bytes;
        if (passed <= stallAfter + 4096) return Promise.resolve();
        return new Promise((_, reject) =>
          signal?.addEventListener('abort', () => reject(cancelledError(signal.reason)), { once: true }),
        );
      },
    };
    const rig = makeRig({ hostToDevice: link, timeouts: { writeMs: 80, responseMs: 80 } });
    await configured(rig);
    const e = await rejection(rig.session.program(part, bytesSource(pattern(20 * 8192))));
    expect(e.code).toBe('DEVICE_STALLED');
    expect(e.message).toContain('<program> of tz.mbn');
    expect(e.message).toContain(`${stallAfter} of ${20 * 8192} bytes sent`);
  });

  it('a stalled transfer answered by a NAK with AttemptRetry reports the NAK', async () => {
    let passed = 0;
    let stalled = false;
    const link: LinkDelay = {
      transfer: (bytes, signal) => {
        passed += bytes;
        if (passed <= 20000 || stalled) return Promise.resolve();
        stalled = true; // one transfer hangs, as after a glitch on the bus
        return new Promise((_, reject) =>
          signal?.addEventListener('abort', () => reject(cancelledError(signal.reason)), { once: true }),
        );
      },
    };
    const rig = makeRig({ hostToDevice: link, timeouts: { writeMs: 80, responseMs: 1000 } });
    await configured(rig);
    rig.dev.handlers.program = async (_, d) => {
      await d.respond(true, { rawmode: 'true' });
      // take data until none comes for a while, as the programmer's USB read times out
      for (;;) {
        try {
          await d.pipe.read(1 << 20, { timeoutMs: 150 });
        } catch {
          break;
        }
      }
      await d.log('ERROR: USB read timed out');
      await d.respond(false, { AttemptRetry: '1' });
    };
    const e = (await rejection(rig.session.program(part, bytesSource(pattern(20 * 8192))))) as FirehoseNakError;
    expect(e).toBeInstanceOf(FirehoseNakError);
    expect(e.attemptRetry).toBe(true);
    expect((e.cause as RescueError).code).toBe('DEVICE_STALLED');
    await rig.session.nop(); // the programmer left raw mode with its NAK: the session goes on
  });
});

describe('read', () => {
  it('takes data that came in the same transfer as the ACK as data, even when it looks like XML', async () => {
    const rig = makeRig();
    const addr = { ...NAND, startSector: 0, numSectors: 3 };
    const data = pattern(3 * 2048, 3);
    const xmlish = new TextEncoder().encode('<?xml version="1.0" ?><data><response value="NAK" /></data>');
    data.set(xmlish, 100);
    rig.dev.handlers.read = async (_, d) => {
      const ack = new TextEncoder().encode(responseDoc(true, { rawmode: 'true' }));
      const first = new Uint8Array(ack.length + 1000);
      first.set(ack);
      first.set(data.subarray(0, 1000), ack.length);
      await d.send(first);
      await d.send(data.subarray(1000, 5000));
      // the tail of the data and the final answer in one transfer
      const tail = data.subarray(5000);
      const end = new TextEncoder().encode(responseDoc(true, { rawmode: 'false' }));
      const last = new Uint8Array(tail.length + end.length);
      last.set(tail);
      last.set(end, tail.length);
      await d.send(last);
    };
    const chunks: Uint8Array[] = [];
    const progress: number[] = [];
    await rig.session.read(
      addr,
      (c) => void chunks.push(c.slice()),
      (n) => progress.push(n),
    );
    const got = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
    let o = 0;
    for (const c of chunks) {
      got.set(c, o);
      o += c.length;
    }
    expect(sameBytes(got, data)).toBe(true);
    expect(progress.at(-1)).toBe(data.length);
    await rig.session.nop(); // the stream is still in step
  });

  it('a NAK after "Read failed" reaches the caller', async () => {
    const rig = makeRig();
    rig.dev.handlers.read = async (cmd, d) => {
      await d.respond(true, { rawmode: 'true' });
      await d.send(new Uint8Array(Number(cmd.attrs.num_partition_sectors) * 2048));
      await d.log('ERROR: Read failed at sector 1');
      await d.respond(false, { rawmode: 'false' });
    };
    const e = await rejection(rig.session.read({ ...NAND, startSector: 0, numSectors: 2 }, () => undefined));
    expect(e.code).toBe('FIREHOSE_NAK');
    expect(e.message).toContain('Read failed at sector 1');
  });

  it('data that stops coming times out with how much arrived', async () => {
    const rig = makeRig({ timeouts: { readDataMs: 100 } });
    rig.dev.handlers.read = async (_, d) => {
      await d.respond(true, { rawmode: 'true' });
      await d.send(new Uint8Array(3000));
    };
    const e = await rejection(rig.session.read({ ...NAND, startSector: 0, numSectors: 4 }, () => undefined));
    expect(e.code).toBe('DEVICE_TIMEOUT');
    expect(e.message).toContain('Received 3000 of 8192 bytes of <read> of sectors 0-3');
  });
});

describe('cancel', () => {
  it('abort while waiting for an answer gives CANCELLED at once', async () => {
    const ac = new AbortController();
    const rig = makeRig({ signal: ac.signal, timeouts: { eraseAckMs: 60_000 } });
    rig.dev.handlers.erase = () => undefined;
    const p = rig.session.erase({ ...NAND, startSector: 0, numSectors: 64 });
    setTimeout(() => ac.abort(), 30);
    expect((await rejection(p)).code).toBe('CANCELLED');
  }, 5_000);

  it('abort in the middle of a program transfer gives CANCELLED', async () => {
    const ac = new AbortController();
    let passed = 0;
    const link: LinkDelay = {
      transfer: (bytes) => {
        passed += bytes;
        if (passed > 64 * 1024) ac.abort();
        return new Promise((r) => setTimeout(r, 1));
      },
    };
    const rig = makeRig({ signal: ac.signal, hostToDevice: link, timeouts: { writeMs: 60_000, programAckMs: 60_000 } });
    await configured(rig);
    const e = await rejection(rig.session.program(part, bytesSource(pattern(600 * 2048))));
    expect(e.code).toBe('CANCELLED');
    expect(passed).toBeLessThan(600 * 2048);
  }, 5_000);

  it('an aborted session refuses new commands', async () => {
    const ac = new AbortController();
    ac.abort();
    const rig = makeRig({ signal: ac.signal });
    expect((await rejection(rig.session.nop())).code).toBe('CANCELLED');
    expect(rig.dev.commands).toHaveLength(0);
  });
});
