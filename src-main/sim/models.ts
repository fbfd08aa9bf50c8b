// The modules the virtual modem can be: NAND geometry, identity read out in Sahara COMMAND mode,
// the fused root key hash, and the partition layout its packages use. EG25-G's layout is the one
// of the real update XML in test/fixtures/real/eg25g; EC25's is an equivalent layout for
// 4 KiB pages and 256 KiB blocks.

import { createHash } from 'node:crypto';

export type ModelId = 'ec25' | 'eg25g';

export interface PartitionLayout {
  name: string;
  /** File name in the package's update/ folder ('' for partitions the update XML never touches). */
  file: string;
  startPage: number;
  pages: number;
  /** Boot chain partitions must hold a valid signed image for the module to boot. */
  bootChain?: boolean;
}

export interface ModelSpec {
  id: ModelId;
  displayName: string;
  chip: string;
  pageSize: number;
  pagesPerBlock: number;
  totalBlocks: number;
  /** "p4K_b256K" style tag used in XML file names. */
  geometryTag: string;
  /** MSM_ID << 32 | OEM_ID << 16 | MODEL_ID */
  msmHwId: bigint;
  serial: number;
  /** SHA-256 of the OEM root certificate the PBL trusts. */
  pkHash: Uint8Array;
  /** Firmware revision reported once booted (AT+QGMR style). */
  firmware: string;
  layout: PartitionLayout[];
}

function rootKeyHash(label: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`modem-rescue virtual root key: ${label}`).digest());
}

const MDM9607_HW_ID = 0x000480e1n << 32n;

export const MODELS: Record<ModelId, ModelSpec> = {
  ec25: {
    id: 'ec25',
    displayName: 'Quectel EC25-E (virtual)',
    chip: 'MDM9607',
    pageSize: 4096,
    pagesPerBlock: 64,
    totalBlocks: 1024,
    geometryTag: 'p4K_b256K',
    msmHwId: MDM9607_HW_ID,
    serial: 0x1c2a3b4d,
    pkHash: rootKeyHash('quectel-mdm9607'),
    firmware: 'EC25EFAR06A11M4G_01.001.01.001',
    layout: [
      { name: 'sbl', file: 'sbl1.mbn', startPage: 0, pages: 320, bootChain: true },
      { name: 'mibib', file: 'partition_complete_p4K_b256K.mbn', startPage: 320, pages: 320 },
      { name: 'efs2', file: '', startPage: 640, pages: 5952 },
      { name: 'tz', file: 'tz.mbn', startPage: 6592, pages: 384, bootChain: true },
      { name: 'rpm', file: 'rpm.mbn', startPage: 6976, pages: 320, bootChain: true },
      { name: 'sec', file: '', startPage: 7296, pages: 448 },
      { name: 'aboot', file: 'appsboot.mbn', startPage: 7744, pages: 384, bootChain: true },
      { name: 'boot', file: 'mdm9607-perf-boot.img', startPage: 8128, pages: 1984 },
      { name: 'recovery', file: 'mdm9607-perf-boot.img', startPage: 10112, pages: 1984 },
      { name: 'modem', file: 'NON-HLOS.ubi', startPage: 12096, pages: 13696 },
      { name: 'recoveryfs', file: 'mdm-perf-recovery-image-mdm9607-perf.ubi', startPage: 25792, pages: 2816 },
      { name: 'usrdata', file: 'usrdata.ubi', startPage: 28608, pages: 12800 },
      { name: 'cachefs', file: 'cache.ubi', startPage: 41408, pages: 5504 },
      { name: 'system', file: 'mdm9607-perf-sysfs.ubi', startPage: 46912, pages: 18624 },
    ],
  },
  eg25g: {
    id: 'eg25g',
    displayName: 'Quectel EG25-G (virtual)',
    chip: 'MDM9607',
    pageSize: 2048,
    pagesPerBlock: 64,
    totalBlocks: 2048,
    geometryTag: 'p2K_b128K',
    msmHwId: MDM9607_HW_ID,
    serial: 0x2d3e4f50,
    pkHash: rootKeyHash('quectel-mdm9607'),
    firmware: 'EG25GGBR07A08M2G_01.003.01.003',
    layout: [
      { name: 'sbl', file: 'sbl1.mbn', startPage: 0, pages: 640, bootChain: true },
      { name: 'mibib', file: 'partition_complete_p2K_b128K.mbn', startPage: 640, pages: 640 },
      { name: 'efs2', file: '', startPage: 1280, pages: 11904 },
      { name: 'tz', file: 'tz.mbn', startPage: 13184, pages: 768, bootChain: true },
      { name: 'rpm', file: 'rpm.mbn', startPage: 13952, pages: 576, bootChain: true },
      { name: 'sec', file: '', startPage: 14528, pages: 1024 },
      { name: 'aboot', file: 'appsboot.mbn', startPage: 15552, pages: 768, bootChain: true },
      { name: 'boot', file: 'mdm9607-boot.img', startPage: 16320, pages: 3968 },
      { name: 'recovery', file: 'mdm9607-boot.img', startPage: 20288, pages: 3968 },
      { name: 'modem', file: 'NON-HLOS.ubi', startPage: 24256, pages: 27392 },
      { name: 'recoveryfs', file: 'mdm9607-recovery.ubi', startPage: 51968, pages: 5632 },
      { name: 'usrdata', file: 'usrdata.ubi', startPage: 57600, pages: 25600 },
      { name: 'cachefs', file: 'data.ubi', startPage: 83200, pages: 11008 },
      { name: 'system', file: 'mdm9607-sysfs.ubi', startPage: 94464, pages: 36608 },
    ],
  },
};

export function getModel(id: string): ModelSpec {
  const m = (MODELS as Record<string, ModelSpec | undefined>)[id];
  if (!m) throw new Error(`unknown model "${id}" (known: ${Object.keys(MODELS).join(', ')})`);
  return m;
}

/**
 * The chip serial of virtual modem k (1-based) of a fleet (`sim --count N`, the fleet bench and
 * tests): the model's serial plus k, so every module of a bench reports its own serial through
 * Sahara (SERIAL_NUM_READ) and the programmer's "Chip serial num:" line, as real chips do. A
 * single virtual modem keeps the model's serial.
 */
export function fleetSerial(model: ModelSpec, k: number): number {
  return (model.serial + k) >>> 0;
}
