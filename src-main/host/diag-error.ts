// The error of a DIAG exchange the modem refused (BAD_CMD, BAD_PARM, an EFS errno...) or answered
// with something unreadable. Code DIAG_ERROR; the detail names the command and the reason.

import { RescueError } from '../../shared/errors.js';

export class DiagError extends RescueError {
  /** The DIAG error response code (0x13 BAD_CMD, 0x14 BAD_PARM, 0x15 BAD_LEN, 0x18 BAD_MODE, 0x42 BAD_SPC_MODE, 0x47 BAD_SEC_MODE), if the modem sent one. */
  readonly diagCode: number | undefined;
  /** The EFS errno, when the modem's file system refused (2 ENOENT, 13 EACCES, 28 ENOSPC...). */
  readonly efsErrno: number | undefined;

  constructor(detail: string, info: { diagCode?: number; efsErrno?: number; cause?: unknown } = {}) {
    super('DIAG_ERROR', detail, info.cause !== undefined ? { cause: info.cause } : undefined);
    this.name = 'DiagError';
    this.diagCode = info.diagCode;
    this.efsErrno = info.efsErrno;
  }
}
