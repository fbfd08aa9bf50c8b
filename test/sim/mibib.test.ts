// The module boots from the partition_complete MIBIB as shipped, as real modules do (QFirehose and
// edl never apply its file patches), and from one patched by a host; it refuses one that is erased,
// garbled, or patched half-way (src-main/sim/mibib.ts).

import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openImageSource } from '../../src-main/package/image-source.js';
import { loadPackage } from '../../src-main/package/load.js';
import { makeMibib, makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { mibibImageProblem } from '../../src-main/sim/mibib.js';
import { auditNand } from '../../src-main/sim/nand-audit.js';
import { MODELS } from '../../src-main/sim/models.js';
import { VirtualModem, waitForState } from '../../src-main/sim/virtual-modem.js';
import { nandAttrs, saharaUpload, ScriptedHost } from './scripted-host.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mr-mibib-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const model = MODELS.ec25;
const SS = model.pageSize;
const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset).getUint32(at, true);

/** The package's MIBIB with its file patches applied as a host that patches files would. */
async function patchedMibib(totalBlocks: number): Promise<Uint8Array> {
  const made = await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 1, seed: 3 });
  const pkg = await loadPackage(made.root, { applyFilePatches: true });
  try {
    const step = pkg.plan.find((s) => s.operation === 'program' && /partition_complete/.test(s.path ?? ''))!;
    expect(step.file_patches?.map((f) => f.value)).toEqual([
      `NUM_DISK_BLOCKS-${model.layout.at(-1)!.startPage / 64}.`,
      `CRC32(0,${2 * SS})`,
    ]);
    const src = await openImageSource(step.path!, step.file_patches!, { numDiskBlocks: totalBlocks });
    try {
      return await src.read(0, src.size);
    } finally {
      await src.close();
    }
  } finally {
    await pkg.dispose();
  }
}

describe('the MIBIB the module boots from', () => {
  it('as shipped: the size limit 0xFFFFFFFF and the CRC field 0, unpatched', () => {
    const m = makeMibib(model);
    expect(u32(m, SS + 512)).toBe(0xffffffff);
    expect(u32(m, 3 * SS + 12)).toBe(0);
    expect(mibibImageProblem(m, model, 1024)).toBeUndefined();
  });

  it("patched by a host with the package's NUM_DISK_BLOCKS and CRC32 patches", async () => {
    const m = await patchedMibib(1024);
    expect(u32(m, SS + 512)).toBe(1024 - model.layout.at(-1)!.startPage / 64);
    expect(u32(m, 3 * SS + 12)).not.toBe(0);
    expect(mibibImageProblem(m, model, 1024)).toBeUndefined();
  });

  it('not erased, garbled, for another module, or patched half-way', async () => {
    expect(mibibImageProblem(new Uint8Array(4 * SS).fill(0xff), model, 1024)).toMatch(/erased/);
    const garbled = makeMibib(model);
    garbled[0] = 0;
    expect(mibibImageProblem(garbled, model, 1024)).toMatch(/header/);
    const other = new Uint8Array(4 * SS).fill(0xff);
    other.set(makeMibib(MODELS.eg25g));
    expect(mibibImageProblem(other, model, 1024)).toMatch(/geometry/);
    const sizeOnly = makeMibib(model);
    new DataView(sizeOnly.buffer).setUint32(SS + 512, 1024 - model.layout.at(-1)!.startPage / 64, true);
    expect(mibibImageProblem(sizeOnly, model, 1024)).toMatch(/CRC32/);
    expect(mibibImageProblem(await patchedMibib(2048), model, 1024)).toMatch(/size limit/); // patched for another NAND size
  });
});

describe('a module flashed with every file as shipped (as QFirehose and edl flash it)', () => {
  it('boots after the reset; with its MIBIB erased it would not', async () => {
    const made = await makePackage({ model: 'ec25', outDir: join(dir, 'pkg'), sizeMiB: 1, seed: 4 });
    const pkg = await loadPackage(made.root);
    const bus = new MemoryBus();
    const modem = new VirtualModem({ model: 'ec25', stateDir: join(dir, 'modem'), reEnumerateDelayMs: 50 }, bus);
    try {
      await modem.start();
      const pipe = await bus.opener.open({ timeoutMs: 3000 });
      expect(
        await saharaUpload(pipe, await readFile(join(made.root, 'update', 'firehose', 'prog_nand_firehose_9x07.mbn'))),
      ).toBe(0);
      const host = new ScriptedHost(pipe, 5000);
      await host.startupLogs();
      expect((await host.configure(8192)).ack).toBe(true);
      for (const s of pkg.plan.filter((x) => x.operation === 'erase'))
        expect((await host.cmd('erase', nandAttrs(SS, s.start_sector, s.num_sectors))).ack).toBe(true);
      for (const s of pkg.plan.filter((x) => x.operation === 'program')) {
        const file = await readFile(s.path!); // as shipped: no file patch applied
        const pages = Math.ceil(file.length / SS);
        const padded = new Uint8Array(pages * SS);
        padded.set(file);
        expect((await host.cmd('program', nandAttrs(SS, s.start_sector, pages))).rawmode).toBe(true);
        await host.writeData(padded);
        expect((await host.reply()).ack).toBe(true);
      }
      expect(modem.bootChainIntact()).toEqual({ ok: true, problems: [] });
      await modem.nand.settle();
      const layout = {
        nandPath: join(dir, 'modem', 'nand.bin'),
        pageSize: SS,
        pagesPerBlock: 64,
        totalBlocks: modem.nand.totalBlocks,
        badBlocks: modem.nand.badBlocks,
      };
      expect(await auditNand(layout, pkg.plan)).toMatchObject({ ok: true, problems: [] });
      // A plan with the file patches applied expects a patched MIBIB, which this is not.
      const patchedPlan = await loadPackage(made.root, { applyFilePatches: true });
      try {
        expect((await auditNand(layout, patchedPlan.plan)).problems).toEqual([
          expect.stringMatching(
            /^partition_complete_p4K_b256K.mbn: byte 4608 \(page 321\) holds 0xff, expected image data/,
          ),
        ]);
      } finally {
        await patchedPlan.dispose();
      }
      expect((await host.cmd('power', { value: 'reset' })).ack).toBe(true);
      expect(await waitForState(modem, 'booted', 5000)).toBe(true);
      const mibib = model.layout.find((p) => p.name === 'mibib')!;
      modem.nand.erase(mibib.startPage / 64, 1, 'test');
      expect(modem.bootChainIntact().problems).toEqual(['mibib: is erased (no partition table)']);
    } finally {
      await pkg.dispose();
      await modem.stop();
    }
  });
});
