import { describe, expect, it } from 'vitest';
import { makeProgrammerElf, verifySignedImage } from '../../src-main/sim/programmer-image.js';
import { parseElf } from '../../src-main/protocol/elf.js';
import { MODELS } from '../../src-main/sim/models.js';

describe('signed programmer images', () => {
  const pk = MODELS.ec25.pkHash;
  it('is a real ELF32 ARM image with a hash segment and two loadable segments', () => {
    const img = makeProgrammerElf({ pkHash: pk, size: 64 * 1024, seed: 7 });
    const elf = parseElf(img);
    expect(elf.is64).toBe(false);
    expect(elf.machine).toBe(40);
    expect(elf.segments.filter((s) => s.type === 1)).toHaveLength(2);
    expect(verifySignedImage(img, pk)).toMatchObject({ ok: true });
  });

  it('fails like secure boot: another key, altered bytes, not an ELF', () => {
    const img = makeProgrammerElf({ pkHash: pk, size: 64 * 1024 });
    const other = new Uint8Array(32).fill(1);
    expect(verifySignedImage(img, other)).toMatchObject({ ok: false, problem: 'wrong-key' });
    const altered = img.slice();
    altered[altered.length - 1]! ^= 0xff;
    expect(verifySignedImage(altered, pk)).toMatchObject({ ok: false, problem: 'hash-mismatch' });
    expect(verifySignedImage(new Uint8Array(100), pk)).toMatchObject({ ok: false, problem: 'elf-header' });
  });

  it('refuses program headers that point outside the file', () => {
    const img = makeProgrammerElf({ pkHash: pk, size: 64 * 1024 });
    expect(verifySignedImage(img.subarray(0, 20 * 1024), pk)).toMatchObject({ ok: false, problem: 'program-headers' });
  });
});
