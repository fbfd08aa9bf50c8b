// SerialPipe and SerialOpener over real pseudo-terminals from socat.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findSocat, startSocatPair, type SocatPair } from '../../src-main/sim/socat.js';
import { SerialOpener, SerialPipe, mapSerialOpenError, openSerialPort } from '../../src-main/transport/serial.js';
import { PipeReader } from '../../src-main/transport/pipe-reader.js';
import type { BulkPipe } from '../../src-main/transport/transport.js';

const socat = findSocat();
if (!socat) console.warn('SKIPPING serial pty tests: socat is not installed (apt-get install socat).');
const withSocat = describe.skipIf(!socat);

const io = { timeoutMs: 5000 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'serial-test-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function openPair(): Promise<{ a: BulkPipe; b: BulkPipe; socat: SocatPair; pathA: string; pathB: string }> {
  const dir = tempDir();
  const pathA = join(dir, 'a');
  const pathB = join(dir, 'b');
  const pair = await startSocatPair(pathA, pathB);
  cleanups.push(() => pair.stop());
  const a = new SerialPipe(await openSerialPort(pathA, 115200, 2000));
  const b = new SerialPipe(await openSerialPort(pathB, 115200, 2000));
  cleanups.push(
    () => a.close(),
    () => b.close(),
  );
  return { a, b, socat: pair, pathA, pathB };
}

function allByteValues(repeat: number): Uint8Array {
  const out = new Uint8Array(256 * repeat);
  for (let i = 0; i < out.length; i++) out[i] = i & 0xff;
  return out;
}

withSocat('SerialPipe over a pty pair', () => {
  it('describes itself like a serial port: named by path, 512-byte packets, no ZLPs', async () => {
    const { a, pathA } = await openPair();
    expect(a.name).toBe(pathA);
    expect(a.maxPacketSize).toBe(512);
    expect(a.needsZlp).toBe(false);
    expect(a.closed).toBe(false);
  });

  it('moves every byte value 0x00-0xff intact in both directions', async () => {
    const { a, b } = await openPair();
    const bytes = allByteValues(4);
    await a.write(bytes, io);
    expect(await new PipeReader(b).readExact(bytes.length, io)).toEqual(bytes);
    const back = bytes.slice().reverse();
    await b.write(back, io);
    expect(await new PipeReader(a).readExact(back.length, io)).toEqual(back);
  });

  it('moves 4 MiB intact while the other side reads concurrently', async () => {
    const { a, b } = await openPair();
    const size = 4 * 1024 * 1024;
    const data = new Uint8Array(size);
    let x = 0x12345678;
    for (let i = 0; i < size; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      data[i] = x >>> 24;
    }
    const reading = new PipeReader(b, 1024 * 1024).readExact(size, { timeoutMs: 20_000 });
    for (let off = 0; off < size; off += 1024 * 1024)
      await a.write(data.subarray(off, off + 1024 * 1024), { timeoutMs: 20_000 });
    const got = await reading;
    expect(got.length).toBe(size);
    expect(Buffer.compare(Buffer.from(got), Buffer.from(data))).toBe(0);
  });

  it('read returns at most maxLength and keeps the rest for the next read', async () => {
    const { a, b } = await openPair();
    await a.write(new Uint8Array([1, 2, 3, 4, 5, 6]), io);
    const parts: number[] = [];
    while (parts.length < 6) {
      const chunk = await b.read(2, io);
      expect(chunk.length).toBeGreaterThan(0);
      expect(chunk.length).toBeLessThanOrEqual(2);
      parts.push(...chunk);
    }
    expect(parts).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('a read with nothing coming fails with DEVICE_TIMEOUT naming what it waited for', async () => {
    const { b } = await openPair();
    await expect(b.read(100, { timeoutMs: 100, what: 'the HELLO packet' })).rejects.toMatchObject({
      code: 'DEVICE_TIMEOUT',
      message: expect.stringContaining('the HELLO packet'),
    });
    // The pipe is still usable afterwards.
    expect(b.closed).toBe(false);
  });

  it('an aborted read fails with CANCELLED, and a read after that still gets data', async () => {
    const { a, b } = await openPair();
    const ac = new AbortController();
    const p = b.read(100, { timeoutMs: 5000, signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    await a.write(new Uint8Array([9]), io);
    expect([...(await b.read(10, io))]).toEqual([9]);
  });

  it('a write the other side never takes fails with DEVICE_TIMEOUT, and an aborted one with CANCELLED', async () => {
    const { a } = await openPair(); // b is open but nobody reads it: the ttys and socat fill up
    const big = new Uint8Array(16 * 1024 * 1024);
    await expect(a.write(big, { timeoutMs: 300, what: 'the program data' })).rejects.toMatchObject({
      code: 'DEVICE_TIMEOUT',
      message: expect.stringContaining('the program data'),
    });
    const ac = new AbortController();
    const p = a.write(big, { timeoutMs: 5000, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('when the other side vanishes, pending and later reads and writes fail with DEVICE_DISCONNECTED', async () => {
    const { a, socat: pair } = await openPair();
    const pending = expect(a.read(100, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    await pair.stop();
    await pending;
    await expect(a.read(100, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    await expect(a.write(new Uint8Array(10), { timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'DEVICE_DISCONNECTED',
    });
    expect(a.closed).toBe(true);
  });

  it('close() is idempotent and fails a pending read with DEVICE_DISCONNECTED', async () => {
    const { a } = await openPair();
    const pending = expect(a.read(100, { timeoutMs: 5000 })).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    await a.close();
    await a.close();
    await pending;
    expect(a.closed).toBe(true);
  });
});

withSocat('SerialOpener', () => {
  it('waits for a port that appears late, then opens it', async () => {
    const dir = tempDir();
    const pathA = join(dir, 'late-a');
    const pathB = join(dir, 'late-b');
    const opener = new SerialOpener(pathA, { pollMs: 50 });
    expect(opener.description).toContain(pathA);
    const opening = opener.open({ timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 300));
    const pair = await startSocatPair(pathA, pathB);
    cleanups.push(() => pair.stop());
    const host = await opening;
    cleanups.push(() => host.close());
    const dev = new SerialPipe(await openSerialPort(pathB, 115200, 2000));
    cleanups.push(() => dev.close());
    await dev.write(new Uint8Array([0x7e, 0x00, 0xff]), io);
    expect([...(await new PipeReader(host).readExact(3, io))]).toEqual([0x7e, 0x00, 0xff]);
  });

  it('gives up with DEVICE_NOT_FOUND naming the path when it never appears', async () => {
    const path = join(tempDir(), 'never');
    await expect(new SerialOpener(path, { pollMs: 20 }).open({ timeoutMs: 200 })).rejects.toMatchObject({
      code: 'DEVICE_NOT_FOUND',
      message: expect.stringContaining(path),
    });
  });

  it('stops waiting with CANCELLED when aborted', async () => {
    const ac = new AbortController();
    const p = new SerialOpener(join(tempDir(), 'never'), { pollMs: 20 }).open({ timeoutMs: 5000, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('serial open errors', () => {
  it('maps missing, forbidden and busy ports to what a person can act on', () => {
    expect(
      mapSerialOpenError(
        new Error('Error: No such file or directory, cannot open /dev/ttyUSB0'),
        '/dev/ttyUSB0',
        'linux',
      ).code,
    ).toBe('DEVICE_NOT_FOUND');
    const perm = mapSerialOpenError(
      new Error('Error: Permission denied, cannot open /dev/ttyUSB0'),
      '/dev/ttyUSB0',
      'linux',
    );
    expect(perm.code).toBe('HOST_PERMISSION');
    expect(perm.message).toMatch(/dialout|udev/);
    expect(
      mapSerialOpenError(new Error('Error Resource temporarily unavailable Cannot lock port'), '/dev/ttyUSB0', 'linux')
        .code,
    ).toBe('DEVICE_OPEN_FAILED');
    expect(
      mapSerialOpenError(Object.assign(new Error('open failed'), { code: 'EBUSY' }), '/dev/ttyUSB0', 'linux').code,
    ).toBe('DEVICE_OPEN_FAILED');
    expect(mapSerialOpenError(new Error('Opening COM7: Access denied'), 'COM7', 'win32').code).toBe(
      'DEVICE_OPEN_FAILED',
    );
    expect(mapSerialOpenError(new Error('Opening COM7: File not found'), 'COM7', 'win32').code).toBe(
      'DEVICE_NOT_FOUND',
    );
  });

  it.skipIf(!socat)('opening a path that is not there fails with DEVICE_NOT_FOUND', async () => {
    await expect(openSerialPort(join(tmpdir(), 'no-such-tty-here'), 115200, 2000)).rejects.toMatchObject({
      code: 'DEVICE_NOT_FOUND',
    });
  });
});
