// The virtual PBL against a scripted host: it must answer as a real MDM9607 PBL does.
import { describe, expect, it } from 'vitest';
import { SaharaStatus, type SaharaPacket } from '../../src-main/protocol/sahara.js';
import { MODELS } from '../../src-main/sim/models.js';
import { makeProgrammerElf } from '../../src-main/sim/programmer-image.js';
import { Peer, io, startRig, toHex } from './helpers.js';

const helloResp = (mode: number, version = 2, versionCompatible = 1): SaharaPacket => ({
  type: 'hello-resp',
  version,
  versionCompatible,
  status: 0,
  mode,
});

function hostOf(rig: ReturnType<typeof startRig>): Peer {
  return new Peer(rig.pair.host);
}

/** Serve READ_DATA requests from `image` until the PBL ends the transfer; returns the END status and the requests. */
async function serve(
  host: Peer,
  image: Uint8Array,
): Promise<{ status: number; reads: { offset: number; length: number }[] }> {
  const reads: { offset: number; length: number }[] = [];
  for (;;) {
    const p = await host.receive();
    if (p.type === 'end-of-image-tx') return { status: p.status, reads };
    if (p.type !== 'read-data') throw new Error(`unexpected ${p.type}`);
    expect(p.imageId).toBe(13);
    expect(p.offset + p.length).toBeLessThanOrEqual(image.length);
    reads.push({ offset: p.offset, length: p.length });
    await host.raw(image.subarray(p.offset, p.offset + p.length));
  }
}

describe('virtual PBL', () => {
  it('greets with HELLO v2 (0x30 bytes, 0x400 max packet, image transfer mode)', async () => {
    const rig = startRig();
    try {
      const first = await rig.pair.host.read(4096, io);
      expect(first.length).toBe(0x30);
      expect(await new Peer(rig.pair.host).reader.readSome({ timeoutMs: 10 }).catch(() => 'nothing')).toBe('nothing');
      const dv = new DataView(first.buffer, first.byteOffset);
      expect([1, 0x30, 2, 1, 0x400, 0].map((_, i) => dv.getUint32(i * 4, true))).toEqual([1, 0x30, 2, 1, 0x400, 0]);
    } finally {
      await rig.stop();
    }
  });

  it('reads header, program headers, hash segment first, then segments in pieces, and nothing else', async () => {
    const rig = startRig({ readPieceBytes: 0x800 });
    const host = hostOf(rig);
    try {
      const image = makeProgrammerElf({ pkHash: MODELS.ec25.pkHash, size: 24 * 1024 });
      expect((await host.receive()).type).toBe('hello');
      await host.send(helloResp(0));
      const { status, reads } = await serve(host, image);
      expect(status).toBe(SaharaStatus.SUCCESS);
      expect(reads.slice(0, 4)).toEqual([
        { offset: 0, length: 52 },
        { offset: 52, length: 96 },
        { offset: 0x1000, length: 136 },
        { offset: 0x2000, length: 0x800 },
      ]);
      expect(Math.max(...reads.map((r) => r.length))).toBe(0x800);
      // Every byte from 0x2000 to the end exactly once.
      expect(reads.slice(3).reduce((n, r) => n + r.length, 0)).toBe(image.length - 0x2000);
      await host.send({ type: 'done' });
      expect(await host.receive()).toEqual({ type: 'done-resp', imageTxStatus: 1 });
      expect(await rig.pbl).toMatchObject({ kind: 'programmer' });
    } finally {
      await rig.stop();
    }
  });

  it('answers wrong packets with INVALID_CMD / PROTOCOL_MISMATCH / INVALID_PACKET_SIZE and resets on RESET', async () => {
    const rig = startRig();
    const host = hostOf(rig);
    try {
      await host.receive();
      await host.send({ type: 'done' });
      expect(await host.receive()).toEqual({ type: 'end-of-image-tx', imageId: 13, status: SaharaStatus.INVALID_CMD });
      await host.send(helloResp(0, 1, 3));
      expect(await host.receive()).toMatchObject({ status: SaharaStatus.PROTOCOL_MISMATCH });
      await host.raw([0x77, 0, 0, 0, 8, 0, 0, 0]);
      expect(await host.receive()).toMatchObject({ status: SaharaStatus.INVALID_CMD });
      await host.raw([2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
      expect(await host.receive()).toMatchObject({ status: SaharaStatus.INVALID_PACKET_SIZE });
      await host.send(helloResp(2));
      expect(await host.receive()).toMatchObject({ status: SaharaStatus.INVALID_HOST_MODE });
      await host.send({ type: 'reset' });
      expect(await host.receive()).toEqual({ type: 'reset-resp' });
      expect(await rig.pbl).toEqual({ kind: 'reset' });
    } finally {
      await rig.stop();
    }
  });

  it('answers COMMAND mode requests and refuses what this generation lacks', async () => {
    const rig = startRig();
    const host = hostOf(rig);
    const exec = async (cmd: number): Promise<Uint8Array | number> => {
      await host.send({ type: 'cmd-exec', clientCommand: cmd });
      const r = await host.receive();
      if (r.type === 'end-of-image-tx') return r.status;
      if (r.type !== 'cmd-exec-resp') throw new Error(r.type);
      await host.send({ type: 'cmd-exec-data', clientCommand: cmd });
      return host.reader.readExact(r.responseLength, io);
    };
    try {
      await host.receive();
      await host.send(helloResp(3));
      expect(await host.receive()).toEqual({ type: 'cmd-ready' });
      expect(await exec(1)).toEqual(new Uint8Array([0x4d, 0x3b, 0x2a, 0x1c]));
      expect(await exec(2)).toEqual(new Uint8Array([0, 0, 0, 0, 0xe1, 0x80, 0x04, 0]));
      expect(toHex((await exec(3)) as Uint8Array)).toBe(toHex(MODELS.ec25.pkHash));
      expect(Array.from((await exec(8)) as Uint8Array)).toEqual([
        1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 7, 0, 0, 0, 8, 0, 0, 0,
      ]);
      expect(await exec(0x0a)).toBe(SaharaStatus.EXEC_CMD_UNSUPPORTED);
      await host.send({ type: 'cmd-exec-data', clientCommand: 1 });
      expect(await host.receive()).toMatchObject({ status: SaharaStatus.EXEC_DATA_INVALID_CLIENT_CMD });
      await host.send({ type: 'cmd-switch-mode', mode: 2 });
      expect(await host.receive()).toMatchObject({ status: SaharaStatus.INVALID_MODE_SWITCH });
      await host.send({ type: 'cmd-switch-mode', mode: 0 });
      expect(await host.receive()).toMatchObject({ type: 'hello', mode: 0 });
    } finally {
      await rig.stop();
    }
  });

  it('with hello-once sends no HELLO after a mode switch, but still takes a HELLO_RESP', async () => {
    const rig = startRig({ faults: [{ kind: 'hello-once' }] });
    const host = hostOf(rig);
    try {
      await host.receive();
      await host.send(helloResp(3));
      await host.receive();
      await host.send({ type: 'cmd-switch-mode', mode: 0 });
      expect(await host.reader.readSome({ timeoutMs: 50 }).catch(() => 'silence')).toBe('silence');
      await host.send(helloResp(0));
      expect(await host.receive()).toEqual({ type: 'read-data', imageId: 13, offset: 0, length: 52 });
    } finally {
      await rig.stop();
    }
  });

  it.each([
    [
      'a wrong program header entry size',
      (img: Uint8Array) => new DataView(img.buffer).setUint16(42, 40, true),
      SaharaStatus.INVALID_PHDR_SIZE,
      1,
    ],
    [
      'no program headers',
      (img: Uint8Array) => new DataView(img.buffer).setUint16(44, 0, true),
      SaharaStatus.UNSUPPORTED_NUM_PHDRS,
      1,
    ],
    [
      'no hash segment',
      (img: Uint8Array) => new DataView(img.buffer).setUint32(52 + 24, 0, true),
      SaharaStatus.HASH_TABLE_NOT_FOUND,
      2,
    ],
    [
      'a segment beyond the load area',
      (img: Uint8Array) => new DataView(img.buffer).setUint32(52 + 32 + 16, 0x7fffffff, true),
      SaharaStatus.INVALID_DATA_SIZE,
      2,
    ],
  ])('refuses a programmer with %s after reading only the headers', async (_name, spoil, status, readsBefore) => {
    const rig = startRig();
    const host = hostOf(rig);
    try {
      const image = makeProgrammerElf({ pkHash: MODELS.ec25.pkHash, size: 16 * 1024 });
      spoil(image);
      await host.receive();
      await host.send(helloResp(0));
      const out = await serve(host, image);
      expect(out.status).toBe(status);
      expect(out.reads.length).toBe(readsBefore);
      // It then waits for the host: a RESET ends it.
      await host.send({ type: 'reset' });
      expect(await host.receive()).toEqual({ type: 'reset-resp' });
      expect(await rig.pbl).toEqual({ kind: 'reset' });
    } finally {
      await rig.stop();
    }
  });

  it('stops waiting for the host when the simulator ends', async () => {
    const rig = startRig({ atEnumeration: false });
    await rig.stop();
    const out = await rig.pbl;
    expect(out).toBeInstanceOf(Error);
    expect((out as Error & { code?: string }).code).toBe('CANCELLED');
  });
});
