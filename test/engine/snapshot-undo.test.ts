// Undo end to end on the virtual modem: flash A, snapshot while flashing B, undo -> every range
// the flash touched holds byte for byte what it held after A; over the memory bus and over a pty.
// Plus: an interrupted snapshot is refused as incomplete, an interrupted undo resumes and ends
// identical, the snapshot loads as a package, and a snapshot of another module is refused before
// any erase.

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import type { EngineEvent } from '../../shared/events.js';
import { flashPackage, type FlashOptions } from '../../src-main/flows/flash.js';
import { snapshotRanges, type SnapshotRange } from '../../src-main/flows/snapshot-manifest.js';
import { snapshotBeforeErase, snapshotModule } from '../../src-main/flows/snapshot-run.js';
import { readSnapshotManifest } from '../../src-main/flows/snapshot.js';
import { undoSnapshot } from '../../src-main/flows/undo.js';
import { loadPackage } from '../../src-main/package/load.js';
import type { Fault } from '../../src-main/sim/faults.js';
import { readFlashedFirmware } from '../../src-main/sim/firmware-image.js';
import { makePackage } from '../../src-main/sim/make-package.js';
import { MemoryBus } from '../../src-main/sim/memory-bus.js';
import { auditNand } from '../../src-main/sim/nand-audit.js';
import { PtyPort } from '../../src-main/sim/pty-port.js';
import type { SimPort } from '../../src-main/sim/sim-port.js';
import { VirtualModem, waitForState } from '../../src-main/sim/virtual-modem.js';
import { SerialOpener } from '../../src-main/transport/serial.js';
import type { PipeOpener } from '../../src-main/transport/transport.js';
import { socatAvailable } from '../helpers/socat.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mr-undo-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FAST: Partial<FlashOptions> = {
  openTimeoutMs: 8000,
  helloTimeoutMs: 1000,
  timeouts: { responseMs: 3000, readDataMs: 6000, writeMs: 3000 },
  recovery: { drainQuietMs: 100, drainMaxMs: 600, probeMs: 1000, dropOffMs: 3000, reEnumerateMs: 8000 },
};

interface Rig {
  port: SimPort;
  opener: PipeOpener;
  modem: VirtualModem;
}

function rig(transport: 'memory' | 'pty', faults: Fault[] = []): Rig {
  const port: SimPort & { opener?: PipeOpener } =
    transport === 'pty'
      ? new PtyPort({ hostPath: join(dir, `tty-${Math.random().toString(36).slice(2)}`) })
      : new MemoryBus();
  const opener = port instanceof PtyPort ? new SerialOpener(port.hostPath) : (port as MemoryBus).opener;
  const modem = new VirtualModem({ model: 'ec25', stateDir: join(dir, 'modem'), reEnumerateDelayMs: 50, faults }, port);
  return { port, opener, modem };
}

/** SHA-256 of every range, as the programmer addresses it (bad blocks skipped). */
async function rangeHashes(modem: VirtualModem, ranges: readonly SnapshotRange[]): Promise<string[]> {
  await modem.nand.settle();
  return ranges.map((r) => {
    const h = createHash('sha256');
    const step = 64;
    for (let p = 0; p < r.numSectors; p += step) {
      const n = Math.min(step, r.numSectors - p);
      h.update(modem.nand.readLogicalInto(r.startSector + p, new Uint8Array(n * r.sectorSize)));
    }
    return h.digest('hex');
  });
}

async function booted(modem: VirtualModem): Promise<void> {
  expect(await waitForState(modem, 'booted', 10_000)).toBe(true);
}

async function packages(): Promise<{ a: string; b: string; ranges: SnapshotRange[] }> {
  const a = await makePackage({
    model: 'ec25',
    outDir: join(dir, 'a'),
    sizeMiB: 3,
    seed: 1,
    firmware: 'EC25EFAR06A11M4G_01.001.01.001',
  });
  const b = await makePackage({
    model: 'ec25',
    outDir: join(dir, 'b'),
    sizeMiB: 3,
    seed: 2,
    firmware: 'EC25EFAR06A12M4G_01.002.01.002',
  });
  const pkg = await loadPackage(b.root);
  const ranges = snapshotRanges(pkg.plan);
  await pkg.dispose();
  return { a: a.root, b: b.root, ranges };
}

/** Flash A (the module boots), then B with a snapshot taken before its first erase. */
async function flashAThenBWithSnapshot(r: Rig, p: { a: string; b: string; ranges: SnapshotRange[] }) {
  await r.modem.start();
  await flashPackage({ ...FAST, package: p.a, opener: r.opener });
  await booted(r.modem);
  const afterA = await rangeHashes(r.modem, p.ranges);
  r.modem.powerCycle({ edl: true });
  const snapDir = join(dir, 'snapshot');
  const snap = snapshotBeforeErase({ dir: snapDir, firmware: 'EC25EFAR06A11M4G_01.001.01.001' });
  await flashPackage({ ...FAST, package: p.b, opener: r.opener, beforeErase: snap.hook });
  expect(snap.outcome()?.status).toBe('taken');
  await booted(r.modem);
  const afterB = await rangeHashes(r.modem, p.ranges);
  expect(afterB).not.toEqual(afterA);
  return { afterA, snapDir };
}

async function auditAgainst(modem: VirtualModem, root: string) {
  const pkg = await loadPackage(root);
  try {
    return await auditNand(
      {
        nandPath: join(dir, 'modem', 'nand.bin'),
        pageSize: modem.model.pageSize,
        pagesPerBlock: modem.model.pagesPerBlock,
        totalBlocks: modem.nand.totalBlocks,
        badBlocks: modem.nand.badBlocks,
      },
      pkg.plan,
    );
  } finally {
    await pkg.dispose();
  }
}

describe('firmware snapshot and undo', () => {
  it('memory bus: flash A, snapshot, flash B, undo -> every range as after A; the snapshot is a package', async () => {
    const p = await packages();
    const r = rig('memory');
    try {
      const { afterA, snapDir } = await flashAThenBWithSnapshot(r, p);
      const manifest = await readSnapshotManifest(snapDir);
      expect(manifest.complete).toBe(true);
      expect(manifest.module).toMatchObject({
        serial: String(r.modem.model.serial),
        firmware: 'EC25EFAR06A11M4G_01.001.01.001',
      });
      expect(manifest.partitions.map((x) => x.startSector)).toEqual(p.ranges.map((x) => x.startSector));
      expect(manifest.bytesOnDisk).toBeLessThan(manifest.bytesRead);
      const asPackage = await loadPackage(snapDir);
      expect(asPackage.problems).toEqual([]);
      await asPackage.dispose();

      r.modem.powerCycle({ edl: true });
      const events: EngineEvent[] = [];
      const undone = await undoSnapshot({
        ...FAST,
        snapshot: snapDir,
        opener: r.opener,
        onEvent: (e) => events.push(e),
      });
      expect(undone.verified).not.toBe('skipped');
      await booted(r.modem);
      expect(await rangeHashes(r.modem, p.ranges)).toEqual(afterA);
      expect((await auditAgainst(r.modem, p.a)).problems).toEqual([]);
      expect(readFlashedFirmware(r.modem.nand, r.modem.model)).toBe('EC25EFAR06A11M4G_01.001.01.001');
    } finally {
      await r.modem.stop();
    }
  }, 120_000);

  it.skipIf(!socatAvailable())(
    'over a pty: flash A, snapshot, flash B, undo -> identical',
    async () => {
      const p = await packages();
      const r = rig('pty');
      try {
        const { afterA, snapDir } = await flashAThenBWithSnapshot(r, p);
        r.modem.powerCycle({ edl: true });
        await undoSnapshot({ ...FAST, snapshot: snapDir, opener: r.opener });
        await booted(r.modem);
        expect(await rangeHashes(r.modem, p.ranges)).toEqual(afterA);
      } finally {
        await r.modem.stop();
      }
    },
    240_000,
  );

  it('a snapshot cut off by a disconnect during the reads is marked incomplete and refused by undo', async () => {
    const p = await packages();
    const r = rig('memory', [{ kind: 'disconnect-read', atBytes: 3 * 1024 * 1024 }]);
    try {
      await r.modem.start();
      const snapDir = join(dir, 'snap');
      const err = await snapshotModule({
        ...FAST,
        package: p.b,
        opener: r.opener,
        dir: snapDir,
        recovery: { ...FAST.recovery, maxAttempts: 0 },
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RescueError);
      expect((err as RescueError).code).toBe('DEVICE_DISCONNECTED');
      const manifest = await readSnapshotManifest(snapDir);
      expect(manifest.complete).toBe(false);
      await expect(undoSnapshot({ ...FAST, snapshot: snapDir, opener: r.opener })).rejects.toMatchObject({
        code: 'SNAPSHOT_INCOMPLETE',
      });
      expect(r.modem.nand.ops.filter((o) => o.op === 'erase')).toEqual([]);
    } finally {
      await r.modem.stop();
    }
  }, 60_000);

  it('an interrupted undo resumes from its journal and ends identical', async () => {
    const p = await packages();
    const r = rig('memory');
    let afterA: string[];
    let snapDir: string;
    try {
      ({ afterA, snapDir } = await flashAThenBWithSnapshot(r, p));
    } finally {
      await r.modem.stop();
    }
    // The same module (same nand.bin), now with a cable that drops once during the undo's writes.
    const again = rig('memory', [{ kind: 'disconnect', atBytes: 2 * 1024 * 1024 }]);
    const journalDir = join(dir, 'journal');
    try {
      await again.modem.start();
      const first = await undoSnapshot({
        ...FAST,
        snapshot: snapDir,
        opener: again.opener,
        journalDir,
        recovery: { ...FAST.recovery, maxAttempts: 0 },
      }).catch((e: unknown) => e);
      expect((first as RescueError).code).toBe('DEVICE_DISCONNECTED');
      const second = await undoSnapshot({ ...FAST, snapshot: snapDir, opener: again.opener, journalDir });
      expect(second.resumed.length).toBeGreaterThan(0);
      await booted(again.modem);
      expect(await rangeHashes(again.modem, p.ranges)).toEqual(afterA);
    } finally {
      await again.modem.stop();
    }
  }, 180_000);

  it('a snapshot of another module is refused before any erase; --force flashes it', async () => {
    const p = await packages();
    const r = rig('memory');
    try {
      const { afterA, snapDir } = await flashAThenBWithSnapshot(r, p);
      const file = join(snapDir, 'snapshot.json');
      const m = JSON.parse(await readFile(file, 'utf8')) as { module: { serial: string } };
      m.module.serial = '12345';
      await writeFile(file, JSON.stringify(m));
      r.modem.powerCycle({ edl: true });
      const erasesBefore = r.modem.nand.ops.filter((o) => o.op === 'erase').length;
      await expect(undoSnapshot({ ...FAST, snapshot: snapDir, opener: r.opener })).rejects.toMatchObject({
        code: 'SNAPSHOT_OTHER_MODULE',
      });
      expect(r.modem.nand.ops.filter((o) => o.op === 'erase').length).toBe(erasesBefore);
      await undoSnapshot({ ...FAST, snapshot: snapDir, opener: r.opener, force: true });
      await booted(r.modem);
      expect(await rangeHashes(r.modem, p.ranges)).toEqual(afterA);
    } finally {
      await r.modem.stop();
    }
  }, 120_000);
});
