// The host against the virtual PBL over an in-memory USB link.
import { describe, expect, it } from 'vitest';
import { saharaReadInfo, saharaUpload } from '../../src-main/host/sahara-host.js';
import { SaharaStatus, endOfImageStatusText } from '../../src-main/protocol/sahara.js';
import { MODELS } from '../../src-main/sim/models.js';
import { fillPseudoRandom, makeProgrammerElf, sha256 } from '../../src-main/sim/programmer-image.js';
import { logLines, startRig, toHex } from './helpers.js';
import { rejection } from '../helpers/rejection.js';

const SIZE = 48 * 1024;
const good = (): Uint8Array => makeProgrammerElf({ pkHash: MODELS.ec25.pkHash, size: SIZE });
const fast = { helloTimeoutMs: 2000, packetTimeoutMs: 2000 };

describe('Sahara upload against the virtual PBL', () => {
  it('uploads a programmer signed for the module, reading it in realistic pieces', async () => {
    const rig = startRig();
    const programmer = good();
    try {
      const out = await saharaUpload(rig.reader, programmer, { ...fast, onEvent: rig.onEvent });
      // 52-byte ELF header, 3 program headers, the hash segment (136 bytes), then the two
      // loadable segments (from 0x2000 to the end) in 0x1000-byte pieces.
      const segBytes = SIZE - 0x2000;
      const seg1 = Math.floor(segBytes * 0.75) & ~3;
      const expectedReads = 3 + Math.ceil(seg1 / 0x1000) + Math.ceil((segBytes - seg1) / 0x1000);
      expect(out).toEqual({ kind: 'uploaded', bytesServed: 52 + 96 + 136 + segBytes, readRequests: expectedReads });
      const pbl = await rig.pbl;
      expect(pbl).toMatchObject({ kind: 'programmer' });
      if (!('kind' in pbl) || pbl.kind !== 'programmer') throw new Error('no programmer');
      expect(sha256(pbl.image)).toEqual(sha256(programmer));
      const lines = logLines(rig.events);
      expect(lines).toContain('Sahara v2 HELLO from device, mode image transfer');
      expect(lines).toContain(
        `Programmer accepted (${expectedReads} reads, ${out.kind === 'uploaded' ? out.bytesServed : 0} bytes)`,
      );
    } finally {
      await rig.stop();
    }
  });

  it('honours a smaller read piece size of the PBL', async () => {
    const rig = startRig({ readPieceBytes: 0x400 });
    try {
      const out = await saharaUpload(rig.reader, good(), fast);
      const segBytes = SIZE - 0x2000;
      const seg1 = Math.floor(segBytes * 0.75) & ~3;
      expect(out).toMatchObject({
        kind: 'uploaded',
        readRequests: 3 + Math.ceil(seg1 / 0x400) + Math.ceil((segBytes - seg1) / 0x400),
      });
    } finally {
      await rig.stop();
    }
  });

  it('reads the identity in COMMAND mode, then uploads', async () => {
    const rig = startRig();
    try {
      const out = await saharaUpload(rig.reader, good(), { ...fast, readInfo: true, onEvent: rig.onEvent });
      if (out.kind !== 'uploaded') throw new Error(out.kind);
      expect(out.info).toEqual({
        saharaVersion: 2,
        serialNumber: MODELS.ec25.serial.toString(16).padStart(8, '0'),
        msmHwId: MODELS.ec25.msmHwId.toString(16).padStart(16, '0'),
        pkHashes: [toHex(MODELS.ec25.pkHash)],
        sblVersion: '00000000',
      });
      expect(out.info?.serialNumber).toBe('1c2a3b4d');
      expect(out.info?.msmHwId).toBe('000480e100000000');
      // chip id v3 is not on this MDM9607 PBL: it refused it and the host went on.
      expect(rig.pblLog.some((l) => l.includes(`status ${'0x1f'}`))).toBe(true);
      expect(await rig.pbl).toMatchObject({ kind: 'programmer' });
    } finally {
      await rig.stop();
    }
  });

  it('saharaReadInfo reads the identity and resets the module', async () => {
    const rig = startRig({ model: MODELS.eg25g });
    try {
      const info = await saharaReadInfo(rig.reader, fast);
      expect(info.serialNumber).toBe(MODELS.eg25g.serial.toString(16).padStart(8, '0'));
      expect(info.msmHwId).toBe(MODELS.eg25g.msmHwId.toString(16).padStart(16, '0'));
      expect(info.pkHashes).toEqual([toHex(MODELS.eg25g.pkHash)]);
      expect(await rig.pbl).toEqual({ kind: 'reset' });
    } finally {
      await rig.stop();
    }
  });

  it('reports a programmer signed for another key with the plain reason', async () => {
    const rig = startRig();
    try {
      const other = sha256(new TextEncoder().encode('someone else'));
      const err = await rejection(saharaUpload(rig.reader, makeProgrammerElf({ pkHash: other, size: SIZE }), fast));
      expect(err.code).toBe('SAHARA_IMAGE_REJECTED');
      expect(err.message).toContain(
        "The module rejected the programmer's signature: it is made for a different module or security key.",
      );
      expect(err.message).toContain('0x25');
    } finally {
      await rig.stop();
    }
  });

  it('reports a non-ELF programmer as an invalid ELF header, after one read', async () => {
    const rig = startRig();
    try {
      const junk = new Uint8Array(8192);
      fillPseudoRandom(junk, 7);
      const err = await rejection(saharaUpload(rig.reader, junk, fast));
      expect(err.code).toBe('SAHARA_IMAGE_REJECTED');
      expect(err.message).toContain(endOfImageStatusText(SaharaStatus.INVALID_ELF_HDR));
      expect(err.message).toContain('after 1 reads');
    } finally {
      await rig.stop();
    }
  });

  it('reports an altered programmer as a hash verification failure', async () => {
    const rig = startRig();
    try {
      const p = good();
      p[SIZE - 100]! ^= 0xff;
      const err = await rejection(saharaUpload(rig.reader, p, fast));
      expect(err.code).toBe('SAHARA_IMAGE_REJECTED');
      expect(err.message).toContain(endOfImageStatusText(SaharaStatus.HASH_VERIFICATION_FAILURE));
    } finally {
      await rig.stop();
    }
  });

  it('recovers a HELLO that someone else consumed (hello-once) with a speculative HELLO_RESP', async () => {
    const rig = startRig({ faults: [{ kind: 'hello-once' }] });
    try {
      // Something else (an old ModemManager) reads the one HELLO first.
      const eaten = await rig.pair.host.read(64, { timeoutMs: 1000 });
      expect(eaten[0]).toBe(0x01);
      const out = await saharaUpload(rig.reader, good(), {
        helloTimeoutMs: 100,
        packetTimeoutMs: 2000,
        onEvent: rig.onEvent,
      });
      expect(out.kind).toBe('uploaded');
      expect(logLines(rig.events).some((l) => l.startsWith('No Sahara HELLO within 100 ms'))).toBe(true);
      expect(await rig.pbl).toMatchObject({ kind: 'programmer' });
    } finally {
      await rig.stop();
    }
  });

  it('goes on after COMMAND mode when a hello-once module sends no new HELLO', async () => {
    const rig = startRig({ faults: [{ kind: 'hello-once' }] });
    try {
      const out = await saharaUpload(rig.reader, good(), {
        helloTimeoutMs: 100,
        packetTimeoutMs: 2000,
        readInfo: true,
      });
      if (out.kind !== 'uploaded') throw new Error(out.kind);
      expect(out.info?.pkHashes).toEqual([toHex(MODELS.ec25.pkHash)]);
      expect(rig.pblLog.some((l) => l.includes('greets only at enumeration'))).toBe(true);
    } finally {
      await rig.stop();
    }
  });

  it('serves a module that greeted before the host arrived (no HELLO at all this time)', async () => {
    const rig = startRig({ atEnumeration: false });
    try {
      const out = await saharaUpload(rig.reader, good(), { helloTimeoutMs: 50, packetTimeoutMs: 2000 });
      expect(out.kind).toBe('uploaded');
    } finally {
      await rig.stop();
    }
  });
});
