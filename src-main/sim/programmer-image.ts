// The Firehose programmer files the virtual modem accepts: a real ELF32 (ARM) with two loadable
// segments and a Qualcomm-style hash segment. The hash segment carries the root key hash the
// image is "signed" for and a SHA-256 per loadable segment, so the virtual PBL can fail exactly
// like a secure-boot device (wrong key -> authentication failure, altered bytes -> hash failure).
// The layout of the hash segment is this project's own; it is documented in parseProgrammerSignature.

import { createHash } from 'node:crypto';
import { PblStatus } from './device-sahara.js';
import { readElf32 } from './device-elf.js';

export const PT_LOAD = 1;
export const PT_NULL = 0;
/** p_flags of a Qualcomm hash segment (MI_PBT_HASH_SEGMENT). */
export const HASH_SEGMENT_FLAGS = 0x02200000;
export const SIGNATURE_MAGIC = 0x4753524d; // "MRSG"

export interface ProgrammerImageOptions {
  /** Root public-key hash (32 bytes) the image is signed for. */
  pkHash: Uint8Array;
  /** Approximate total size in bytes (default 320 KiB, like prog_nand_firehose_9x07.mbn). */
  size?: number;
  seed?: number;
}

/** Deterministic pseudo-random bytes (xorshift32), for reproducible images. */
export function fillPseudoRandom(buf: Uint8Array, seed: number): void {
  let x = seed >>> 0 || 0x9e3779b9;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let i = 0;
  for (; i + 4 <= buf.length; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    dv.setUint32(i, x, true);
  }
  for (; i < buf.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf[i] = x & 0xff;
  }
}

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** Build a programmer ELF signed for opts.pkHash. */
export function makeProgrammerElf(opts: ProgrammerImageOptions): Uint8Array {
  if (opts.pkHash.length !== 32) throw new Error('pkHash must be 32 bytes');
  const total = Math.max(opts.size ?? 320 * 1024, 16 * 1024);
  const ehsize = 52;
  const phentsize = 32;
  const phnum = 3;
  const headerEnd = ehsize + phentsize * phnum;
  const hashOff = 0x1000;
  const hashSize = 4 + 4 + 32 + 32 * 2 + 32;
  const seg1Off = 0x2000;
  const seg1Size = Math.floor((total - seg1Off) * 0.75) & ~3;
  const seg2Off = seg1Off + seg1Size;
  const seg2Size = total - seg2Off;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  // e_ident
  out.set([0x7f, 0x45, 0x4c, 0x46, 1 /* ELFCLASS32 */, 1 /* LSB */, 1 /* EV_CURRENT */], 0);
  dv.setUint16(16, 2, true); // e_type EXEC
  dv.setUint16(18, 40, true); // e_machine ARM
  dv.setUint32(20, 1, true); // e_version
  dv.setUint32(24, 0x08000000, true); // e_entry
  dv.setUint32(28, ehsize, true); // e_phoff
  dv.setUint32(32, 0, true); // e_shoff
  dv.setUint32(36, 0x05000000, true); // e_flags (EABI5)
  dv.setUint16(40, ehsize, true);
  dv.setUint16(42, phentsize, true);
  dv.setUint16(44, phnum, true);
  dv.setUint16(46, 40, true); // e_shentsize
  dv.setUint16(48, 0, true); // e_shnum
  dv.setUint16(50, 0, true); // e_shstrndx
  const ph = (i: number, type: number, off: number, vaddr: number, size: number, flags: number): void => {
    const b = ehsize + i * phentsize;
    dv.setUint32(b, type, true);
    dv.setUint32(b + 4, off, true);
    dv.setUint32(b + 8, vaddr, true);
    dv.setUint32(b + 12, vaddr, true);
    dv.setUint32(b + 16, size, true);
    dv.setUint32(b + 20, size, true);
    dv.setUint32(b + 24, flags, true);
    dv.setUint32(b + 28, 0x1000, true);
  };
  ph(0, PT_NULL, hashOff, 0x08600000, hashSize, HASH_SEGMENT_FLAGS);
  ph(1, PT_LOAD, seg1Off, 0x08000000, seg1Size, 0x80000005);
  ph(2, PT_LOAD, seg2Off, 0x08000000 + seg1Size, seg2Size, 0x80000006);
  void headerEnd;
  fillPseudoRandom(out.subarray(seg1Off), (opts.seed ?? 1) * 2654435761);
  const h1 = sha256(out.subarray(seg1Off, seg1Off + seg1Size));
  const h2 = sha256(out.subarray(seg2Off, seg2Off + seg2Size));
  dv.setUint32(hashOff, SIGNATURE_MAGIC, true);
  dv.setUint32(hashOff + 4, 1, true);
  out.set(opts.pkHash, hashOff + 8);
  out.set(h1, hashOff + 40);
  out.set(h2, hashOff + 72);
  out.set(sha256(opts.pkHash, h1, h2), hashOff + 104);
  return out;
}

export type SignatureCheck =
  | { ok: true; pkHash: Uint8Array }
  | {
      ok: false;
      problem: 'elf-header' | 'program-headers' | 'no-hash-segment' | 'wrong-key' | 'hash-mismatch';
      reason: string;
    };

/**
 * Check an image made by makeProgrammerElf against the module's fused root key hash.
 * Hash segment layout (little-endian): u32 magic "MRSG", u32 version 1, root PK hash[32],
 * SHA-256 of each PT_LOAD segment in order [32 each], SHA-256(pk hash || segment hashes)[32].
 */
export function verifySignedImage(bytes: Uint8Array, fusedPkHash: Uint8Array): SignatureCheck {
  const elf = readElf32(bytes);
  if (!elf.ok)
    return {
      ok: false,
      problem: elf.status === PblStatus.INVALID_ELF_HDR ? 'elf-header' : 'program-headers',
      reason: elf.reason,
    };
  const info = elf.value;
  const hashSeg = info.segments.find(
    (s) => s.type === PT_NULL && (s.flags & 0x07000000) === (HASH_SEGMENT_FLAGS & 0x07000000),
  );
  const loads = info.segments.filter((s) => s.type === PT_LOAD);
  if (!hashSeg || hashSeg.fileSize < 8 + 32 + 32 * loads.length + 32)
    return { ok: false, problem: 'no-hash-segment', reason: 'the image has no hash segment' };
  const hs = bytes.subarray(hashSeg.offset, hashSeg.offset + hashSeg.fileSize);
  const dv = new DataView(hs.buffer, hs.byteOffset, hs.byteLength);
  if (dv.getUint32(0, true) !== SIGNATURE_MAGIC)
    return { ok: false, problem: 'no-hash-segment', reason: 'the hash segment carries no signature' };
  const pk = hs.slice(8, 40);
  if (!equalBytes(pk, fusedPkHash))
    return { ok: false, problem: 'wrong-key', reason: 'the image is signed for another root key' };
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < loads.length; i++) {
    const s = loads[i]!;
    const want = hs.subarray(40 + 32 * i, 72 + 32 * i);
    const got = sha256(bytes.subarray(s.offset, s.offset + s.fileSize));
    if (!equalBytes(want, got))
      return { ok: false, problem: 'hash-mismatch', reason: `segment ${i} does not match its hash` };
    hashes.push(got);
  }
  const sig = hs.subarray(40 + 32 * loads.length, 72 + 32 * loads.length);
  if (!equalBytes(sig, sha256(pk, ...hashes)))
    return { ok: false, problem: 'hash-mismatch', reason: 'the hash table signature does not verify' };
  return { ok: true, pkHash: pk };
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
