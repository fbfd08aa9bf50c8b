// Audit a virtual modem's nand.bin against a flash plan, reading only the documented on-disk
// format (byte offset = physical page x page size; logical blocks skip the bad blocks listed in
// nand.json): every image at its page offset, zero-padded to its last page, byte for byte, and
// the rest of its partition erased (0xFF). This is how tests and the demo prove a flash. An image
// is expected as the plan writes it: as shipped, or with its file patches where the plan was
// loaded with them (--apply-file-patches).

import { open } from 'node:fs/promises';
import type { PlanStep } from '../package/plan.js';
import { openImageSource } from '../package/image-source.js';

export interface NandLayout {
  nandPath: string;
  pageSize: number;
  pagesPerBlock: number;
  totalBlocks: number;
  badBlocks: readonly number[];
}

export interface AuditResult {
  ok: boolean;
  problems: string[];
  checkedBytes: number;
}

/** Physical block of logical block `logical` when bad blocks are skipped. */
export function physicalBlock(logical: number, badBlocks: ReadonlySet<number>): number {
  let seen = -1;
  for (let b = 0; ; b++) {
    if (!badBlocks.has(b)) seen++;
    if (seen === logical) return b;
  }
}

function expectedBytes(data: Uint8Array, fromFile: number, padEnd: number, len: number): Buffer {
  const b = Buffer.alloc(len, 0xff);
  b.set(data.subarray(0, fromFile), 0);
  if (padEnd > fromFile) b.fill(0, fromFile, padEnd);
  return b;
}

export async function auditNand(
  layout: NandLayout,
  plan: readonly PlanStep[],
  numDiskBlocks = layout.totalBlocks,
): Promise<AuditResult> {
  const problems: string[] = [];
  let checkedBytes = 0;
  const bad = new Set(layout.badBlocks);
  const fh = await open(layout.nandPath, 'r');
  const pageBuf = Buffer.alloc(layout.pageSize * layout.pagesPerBlock);
  try {
    for (const step of plan) {
      if (step.operation !== 'program' || !step.path) continue;
      if (step.sector_size !== layout.pageSize) {
        problems.push(`${step.label}: sector size ${step.sector_size} is not the NAND page size ${layout.pageSize}`);
        continue;
      }
      const image = await openImageSource(step.path, step.file_patches ?? [], { numDiskBlocks });
      try {
        let firstBad: string | undefined;
        for (let i = 0; i < step.num_sectors && !firstBad;) {
          const logicalPage = step.start_sector + i;
          const block = Math.floor(logicalPage / layout.pagesPerBlock);
          const inBlock = logicalPage % layout.pagesPerBlock;
          const pages = Math.min(layout.pagesPerBlock - inBlock, step.num_sectors - i);
          const phys = physicalBlock(block, bad) * layout.pagesPerBlock + inBlock;
          const len = pages * layout.pageSize;
          const got = pageBuf.subarray(0, len);
          const { bytesRead } = await fh.read(got, 0, len, phys * layout.pageSize);
          if (bytesRead !== len) {
            firstBad = `nand.bin ends before page ${phys}`;
            break;
          }
          const fileOff = i * layout.pageSize;
          const fromFile = Math.max(0, Math.min(len, image.size - fileOff));
          const want = fromFile > 0 ? await image.read(fileOff, fromFile) : new Uint8Array(0);
          const padEnd = Math.min(len, Math.ceil(image.size / layout.pageSize) * layout.pageSize - fileOff);
          const expected = expectedBytes(want, fromFile, padEnd, len);
          if (!got.equals(expected)) {
            let k = 0;
            while (got[k] === expected[k]) k++;
            const what = k < fromFile ? 'image data' : k < padEnd ? 'zero padding' : 'erased (0xFF) space';
            firstBad = `${step.label}: byte ${fileOff + k} (page ${logicalPage + Math.floor(k / layout.pageSize)}) holds 0x${got[k]!.toString(16)}, expected ${what} 0x${expected[k]!.toString(16)}`;
          }
          checkedBytes += len;
          i += pages;
        }
        if (firstBad) problems.push(firstBad);
      } finally {
        await image.close();
      }
    }
  } finally {
    await fh.close();
  }
  return { ok: problems.length === 0, problems, checkedBytes };
}
