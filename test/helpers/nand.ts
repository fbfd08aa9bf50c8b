// What a virtual modem's NAND holds against a package's plan: every partition byte for byte as the
// plan writes it (src-main/sim/nand-audit.ts), after the modem's pending page writes are on disk.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlanStep } from '../../src-main/package/plan.js';
import { MODELS, type ModelSpec } from '../../src-main/sim/models.js';
import { auditNand, type AuditResult } from '../../src-main/sim/nand-audit.js';
import type { VirtualModem } from '../../src-main/sim/virtual-modem.js';

export async function auditModem(modem: VirtualModem, plan: readonly PlanStep[]): Promise<AuditResult> {
  await modem.nand.settle();
  return auditNand(
    {
      nandPath: modem.nand.path,
      pageSize: modem.model.pageSize,
      pagesPerBlock: modem.model.pagesPerBlock,
      totalBlocks: modem.nand.totalBlocks,
      badBlocks: modem.nand.badBlocks,
    },
    plan,
  );
}

/**
 * The NAND a stopped virtual modem left in its state folder (nand.bin, with nand.json saying its
 * size and bad blocks), as `sim --pty --state DIR` keeps it, against the plan.
 */
export async function auditStateDir(
  stateDir: string,
  plan: readonly PlanStep[],
  model: ModelSpec = MODELS.ec25,
): Promise<AuditResult> {
  const meta = JSON.parse(await readFile(join(stateDir, 'nand.json'), 'utf8')) as {
    totalBlocks?: number;
    badBlocks?: number[];
  };
  return auditNand(
    {
      nandPath: join(stateDir, 'nand.bin'),
      pageSize: model.pageSize,
      pagesPerBlock: model.pagesPerBlock,
      totalBlocks: meta.totalBlocks ?? model.totalBlocks,
      badBlocks: meta.badBlocks ?? [],
    },
    plan,
  );
}
