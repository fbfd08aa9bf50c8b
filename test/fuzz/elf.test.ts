// The programmer's ELF under fuzz: signed programmers from the package maker, mutated in their
// headers, program header table and hash segment, into the host's ELF parser (package check) and
// the virtual boot ROM's signature check. Only ElfError from the parser; the signature check
// answers ok or a named problem, never throws; segments always lie inside the file.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ElfError, parseElf } from '../../src-main/protocol/elf.js';
import { MODELS } from '../../src-main/sim/models.js';
import { makeProgrammerElf, verifySignedImage } from '../../src-main/sim/programmer-image.js';
import { PROPERTY_TIMEOUT_MS, bounded, interestingU32, mutate, mutated, onlyThrows, params } from './fuzz-kit.js';

const KEY = MODELS.ec25.pkHash;
const programmer = fc
  .record({ size: fc.integer({ min: 2048, max: 16384 }), seed: fc.nat(1000) })
  .map((o) => makeProgrammerElf({ pkHash: KEY, size: o.size, seed: o.seed }));
/** Mutations aimed at the first 256 bytes (ELF header and program header table), where parsing decides. */
const headerMutation = fc.array(
  fc.record({ op: fc.constant('u32' as const), at: fc.nat(255), value: interestingU32 }),
  { minLength: 1, maxLength: 4 },
);

describe('fuzz: programmer ELF', () => {
  it(
    'parseElf and verifySignedImage take any mutated programmer: segments inside the file, or a named refusal',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            mutated(programmer),
            fc.tuple(programmer, headerMutation).map(([p, m]) => mutate(p, m)),
            fc.uint8Array({ maxLength: 512 }),
          ),
          (bytes) => {
            const info = bounded(() => onlyThrows(() => parseElf(bytes), [ElfError]), 1000, 'parseElf');
            if (!(info instanceof Error)) {
              // A segment with file bytes lies inside the file (an empty one may name any offset).
              for (const s of info.segments)
                if (s.fileSize > 0) expect(s.offset + s.fileSize).toBeLessThanOrEqual(bytes.length);
            }
            const check = bounded(() => verifySignedImage(bytes, KEY), 1000, 'verifySignedImage');
            if (!check.ok) expect(check.reason.length).toBeGreaterThan(0);
          },
        ),
        params(0xe1f01, 500),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
