// A package whose programmer is signed for another module (another OEM's root key; the EC25 and
// the EG25-G share Quectel's MDM9607 key, so one of theirs would be accepted): the host does not
// check the signature before the upload, so the virtual EC25's boot ROM refuses it during Sahara. The flash must stop there with SAHARA_IMAGE_REJECTED and a
// sentence about the signature, with nothing erased or written on the NAND.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { flashPackage } from '../../src-main/flows/flash.js';
import { loadPackage } from '../../src-main/package/load.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { MODELS } from '../../src-main/sim/models.js';
import { equalBytes, makeProgrammerElf, sha256 } from '../../src-main/sim/programmer-image.js';
import { VirtualModem } from '../../src-main/sim/virtual-modem.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mr-wrong-prog-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('a programmer signed for another root key is refused by the EC25 during Sahara, and the NAND is untouched', async () => {
  const made = await makePackage({ model: 'ec25', outDir: path.join(dir, 'pkg'), sizeMiB: 1, seed: 4 });
  const pkg = await loadPackage(made.root, { verifyMd5: false });
  expect(pkg.problems).toEqual([]);
  const otherKey = sha256(new TextEncoder().encode('another-oem-root-key'));
  expect(equalBytes(otherKey, MODELS.ec25.pkHash)).toBe(false);
  await writeFile(pkg.programmerPath, makeProgrammerElf({ pkHash: otherKey }));

  const bus = new MemoryBus();
  const modem = new VirtualModem({ model: 'ec25', stateDir: path.join(dir, 'modem'), reEnumerateDelayMs: 50 }, bus);
  await modem.start();
  try {
    const err = await flashPackage({
      package: pkg,
      opener: bus.opener,
      openTimeoutMs: 3000,
      recovery: { maxAttempts: 0 },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'SAHARA_IMAGE_REJECTED',
      message: expect.stringMatching(/signed for a different module|different module or security key/),
    });
    expect(modem.nand.ops).toEqual([]);
  } finally {
    await pkg.dispose();
    await modem.stop();
  }
});
