// The virtual PBL's own ELF reading (src-main/sim/device-elf.ts): each fault named by the status a
// PBL sends, and the order it asks for a programmer in, as real PBLs asked in public sessions.

import { describe, expect, it } from 'vitest';
import { PblStatus } from '../../src-main/sim/device-sahara.js';
import { readElf32, readElf32Header } from '../../src-main/sim/device-elf.js';
import { MODELS } from '../../src-main/sim/models.js';
import { makeProgrammerElf } from '../../src-main/sim/programmer-image.js';
import { goldenFields } from '../helpers/real-goldens.js';
import { startRig } from '../sahara/helpers.js';

const image = (): Uint8Array => makeProgrammerElf({ pkHash: MODELS.ec25.pkHash, size: 48 * 1024, seed: 7 });
const with16 = (at: number, v: number): Uint8Array => {
  const b = image();
  new DataView(b.buffer).setUint16(at, v, true);
  return b;
};

describe('device-side ELF32 reading', () => {
  it('reads the programmer the package carries', () => {
    const r = readElf32(image());
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.header.phoff).toBe(52);
  });

  it('names each fault by its END_OF_IMAGE_TX status', () => {
    const b64 = image();
    b64[4] = 2;
    expect(readElf32Header(b64)).toMatchObject({ ok: false, status: PblStatus.INVALID_ELF_HDR });
    expect(readElf32Header(new Uint8Array(52))).toMatchObject({ ok: false, status: PblStatus.INVALID_ELF_HDR });
    expect(readElf32Header(with16(42, 56))).toMatchObject({ ok: false, status: PblStatus.INVALID_PHDR_SIZE });
    expect(readElf32Header(with16(44, 0))).toMatchObject({ ok: false, status: PblStatus.UNSUPPORTED_NUM_PHDRS });
    expect(readElf32(image().subarray(0, 4096))).toMatchObject({ ok: false, status: PblStatus.INVALID_DATA_SIZE });
  });
});

describe('the order the virtual PBL asks for a programmer in', () => {
  it('the 0x34-byte ELF header, then the program header table right after it, as the PBLs in qdl and QFirehose sessions did', async () => {
    const logged = goldenFields()
      .filter((f) => f.packet === 'read-data')
      .map((f) => f.fields);
    // Real PBLs: first READ_DATA offset 0 length 0x34, second offset 0x34 (a table of 32-byte entries).
    expect(logged.filter((f) => f.offset === 0).every((f) => f.length === 0x34)).toBe(true);
    expect(logged.filter((f) => f.offset === 0x34).every((f) => f.length! % 32 === 0)).toBe(true);
    const rig = startRig();
    const img = image();
    const reads: [number, number][] = [];
    try {
      const hello = await rig.reader.readExact(0x30, { timeoutMs: 2000 });
      expect(hello[0]).toBe(1);
      const resp = new Uint8Array(0x30);
      new DataView(resp.buffer).setUint32(0, 2, true);
      new DataView(resp.buffer).setUint32(4, 0x30, true);
      new DataView(resp.buffer).setUint32(8, 2, true);
      new DataView(resp.buffer).setUint32(12, 1, true);
      await rig.pair.host.write(resp, { timeoutMs: 2000 });
      for (let i = 0; i < 2; i++) {
        const p = await rig.reader.readExact(0x14, { timeoutMs: 2000 });
        const dv = new DataView(p.buffer, p.byteOffset);
        expect([dv.getUint32(0, true), dv.getUint32(8, true)]).toEqual([3, 13]);
        reads.push([dv.getUint32(12, true), dv.getUint32(16, true)]);
        await rig.pair.host.write(img.slice(reads[i]![0], reads[i]![0] + reads[i]![1]), { timeoutMs: 2000 });
      }
      const phnum = new DataView(img.buffer).getUint16(44, true);
      expect(reads).toEqual([
        [0, 0x34],
        [0x34, phnum * 32],
      ]);
    } finally {
      await rig.stop();
    }
  });
});
