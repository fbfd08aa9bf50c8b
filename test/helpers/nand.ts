// What a virtual modem's NAND holds against a package's plan: every partition byte for byte as the
// plan writes it (src-main/sim/nand-audit.ts), after the modem's pending page writes are on disk.

import type { PlanStep } from '../../src-main/package/plan.js';
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
