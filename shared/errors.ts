// Every error a person can see: a stable code, one plain sentence of what happened, and the
// next step. Shared by the engine, the command line, the Electron app and the browser mode.

/** Which kind of problem it is; the command line turns this into its exit code. */
export type ErrorCategory = 'package' | 'device' | 'host' | 'cancelled' | 'usage' | 'internal';

export interface ErrorInfo {
  category: ErrorCategory;
  /** What happened, in one sentence a non-specialist understands. */
  sentence: string;
  /** What to do next. */
  nextStep: string;
}

export const ERRORS = {
  // --- firmware package ---------------------------------------------------------------
  PACKAGE_NOT_FOUND: {
    category: 'package',
    sentence: 'The firmware package could not be found or opened.',
    nextStep: 'Check the path: it must be the unpacked firmware folder or its .zip file.',
  },
  PACKAGE_NO_PROGRAMMER: {
    category: 'package',
    sentence: 'The package has no Firehose programmer (prog_*firehose*.mbn).',
    nextStep: 'Use the complete firmware package from Quectel; the programmer lives in update/firehose/.',
  },
  PACKAGE_NO_RAWPROGRAM: {
    category: 'package',
    sentence: 'The package has no rawprogram XML describing what to write.',
    nextStep: 'Use the complete firmware package; it holds rawprogram_*.xml in update/firehose/.',
  },
  PACKAGE_BAD_XML: {
    category: 'package',
    sentence: 'An XML file in the package cannot be read safely.',
    nextStep: 'The package is damaged or was edited; download it again.',
  },
  PACKAGE_MISSING_FILE: {
    category: 'package',
    sentence: 'A file the package needs is missing.',
    nextStep: 'Download the package again and unpack it completely.',
  },
  PACKAGE_FILE_TOO_LARGE: {
    category: 'package',
    sentence: 'An image is larger than the partition it must go into.',
    nextStep: 'This package does not fit this module; use the package made for your exact model.',
  },
  PACKAGE_UNSAFE_PATH: {
    category: 'package',
    sentence: 'A file name in the package points outside the package.',
    nextStep:
      'Do not use this package: it may overwrite files on your computer. Download it again from a trusted source.',
  },
  PACKAGE_CHECKSUM_MISMATCH: {
    category: 'package',
    sentence: 'A file does not match the checksum in md5.txt.',
    nextStep: 'The download is damaged; download the package again.',
  },
  PACKAGE_EMPTY_FILE: {
    category: 'package',
    sentence: 'An image file in the package is empty.',
    nextStep: 'The package is incomplete; download it again.',
  },
  PACKAGE_BAD_PATCH: {
    category: 'package',
    sentence: 'A patch in the package cannot be applied.',
    nextStep: 'The package is damaged or was edited; download it again.',
  },
  PACKAGE_BAD_ZIP: {
    category: 'package',
    sentence: 'The package archive is damaged or uses an unsupported format.',
    nextStep: 'Download the archive again, or unpack it yourself and choose the folder.',
  },
  FLASH_REFUSED_BEFORE_ERASE: {
    category: 'package',
    sentence:
      'The flash was stopped before anything was erased: the package, its programmer and this modem do not fit together.',
    nextStep: 'The modem is as it was. Read the reasons above; use the package made for this exact module.',
  },
  PACKAGE_NOT_FOR_MODULE: {
    category: 'package',
    sentence: 'This package is made for another module than the one connected.',
    nextStep:
      'Nothing was written. Choose the package made for your module; to flash it anyway, type the model name the Package step asks for.',
  },
  PACKAGE_WRONG_PROGRAMMER: {
    category: 'package',
    sentence: "The package's programmer is not meant for this module.",
    nextStep: 'Use the package made for your exact module; the module refuses programmers signed for another key.',
  },
  QCN_CORRUPT: {
    category: 'package',
    sentence: 'The QCN backup file is damaged and cannot be read safely.',
    nextStep: 'Use another copy of the backup; a QCN file must not be edited by hand.',
  },
  QCN_MISMATCH: {
    category: 'package',
    sentence: 'The QCN backup was made on another modem model or firmware version.',
    nextStep: 'Restore a backup made on this modem; only pass --force if you are sure the items fit this firmware.',
  },
  SNAPSHOT_INCOMPLETE: {
    category: 'package',
    sentence: 'This firmware snapshot was not completed, so it cannot put the modem back as it was.',
    nextStep: 'Use a complete snapshot (its snapshot.json says "complete": true), or take a new one.',
  },
  SNAPSHOT_BAD: {
    category: 'package',
    sentence: 'This folder is not a firmware snapshot Modem Rescue can read.',
    nextStep:
      'Choose the folder that holds snapshot.json, as written by `modem-rescue snapshot` or `flash --snapshot`.',
  },
  SNAPSHOT_OTHER_MODULE: {
    category: 'package',
    sentence: 'The firmware snapshot was made from another modem than the one connected.',
    nextStep:
      'Use the snapshot taken from this modem. Only pass --force if you are sure this modem should get that firmware.',
  },
  SNAPSHOT_FOLDER_IN_USE: {
    category: 'usage',
    sentence: 'The folder chosen for the firmware snapshot already holds other files.',
    nextStep: 'Choose a new or empty folder for the snapshot; a complete snapshot is never overwritten.',
  },
  BACKUP_VERIFY_FAILED: {
    category: 'device',
    sentence: 'The backup or restore did not read back the same as what was read from or written to the modem.',
    nextStep: 'Run it again; if it repeats, keep the modem connected, do not restore anything, and save a report.',
  },

  // --- device -------------------------------------------------------------------------
  DEVICE_NOT_FOUND: {
    category: 'device',
    sentence: 'No modem in download mode (EDL, 05c6:9008) was found.',
    nextStep: 'Put the modem into EDL mode (the wizard shows how) and check the cable; then try again.',
  },
  DEVICE_OPEN_FAILED: {
    category: 'device',
    sentence: 'The modem was found but could not be opened.',
    nextStep:
      'Another program (ModemManager, QPST, an earlier flasher) may hold it, or you lack permission: run `modem-rescue doctor`.',
  },
  DEVICE_DISCONNECTED: {
    category: 'device',
    sentence: 'The modem disappeared from the USB bus.',
    nextStep:
      'Check the cable and power; use a USB 2 port or a powered hub, then put the modem back into EDL and run again.',
  },
  DEVICE_TIMEOUT: {
    category: 'device',
    sentence: 'The modem stopped answering.',
    nextStep:
      'Unplug and replug the modem (or power-cycle it), put it back into EDL and run again; the flash is safe to repeat.',
  },
  DEVICE_STALLED: {
    category: 'device',
    sentence: 'The transfer to the modem stalled: no data moved for too long.',
    nextStep:
      'Power-cycle the modem back into EDL and run again. If it stalls again, use a USB 2 port, another cable or a powered hub.',
  },
  SAHARA_NO_HELLO: {
    category: 'device',
    sentence: 'The modem is in EDL mode but did not send its greeting (Sahara HELLO).',
    nextStep:
      'Another program may have consumed it (old ModemManager, an earlier flasher). Power-cycle the modem (or suspend and resume the computer), then run again.',
  },
  SAHARA_PROTOCOL: {
    category: 'device',
    sentence: 'The modem sent something the download protocol does not allow.',
    nextStep: 'Power-cycle the modem back into EDL and try again; if it repeats, save a report.',
  },
  SAHARA_IMAGE_REJECTED: {
    category: 'device',
    sentence: 'The modem refused the programmer.',
    nextStep: 'See the reason above; usually the programmer is for another module or secure-boot key.',
  },
  SAHARA_MEMORY_DEBUG: {
    category: 'device',
    sentence: 'The modem is in crash-dump mode (05c6:900e), not download mode; it cannot be flashed from here.',
    nextStep: 'Power-cycle the modem (unplug it, or suspend and resume the computer), then enter EDL again.',
  },
  FIREHOSE_NAK: {
    category: 'device',
    sentence: 'The programmer on the modem refused a command.',
    nextStep: 'Read the device log above for its reason; power-cycle into EDL and run again.',
  },
  FIREHOSE_PROTOCOL: {
    category: 'device',
    sentence: 'The programmer on the modem answered with something unreadable.',
    nextStep: 'Power-cycle the modem back into EDL and run again; if it repeats, save a report.',
  },
  FIREHOSE_CONFIGURE_FAILED: {
    category: 'device',
    sentence: 'The programmer and this computer could not agree on transfer settings.',
    nextStep: 'Power-cycle the modem back into EDL and run again.',
  },
  VERIFY_MISMATCH: {
    category: 'device',
    sentence: 'What was written to the modem does not read back the same.',
    nextStep: 'Run the flash again; if it fails again, the flash memory may be worn: save a report.',
  },
  DEVICE_STILL_IN_EDL: {
    category: 'device',
    sentence: 'After the reset the modem came back in download mode instead of starting.',
    nextStep: 'The boot chain did not take; run the flash again with the complete package.',
  },
  AT_ERROR: {
    category: 'device',
    sentence: 'The modem answered the AT command with an error.',
    nextStep:
      'Check the command and that the module is ready (AT+CPIN? / AT+CFUN?); the error text above says what the module refused.',
  },
  PORT_NOT_FOUND: {
    category: 'device',
    sentence: 'The port of the running modem could not be found.',
    nextStep:
      'Check that the modem is connected and running (2c7c:0125 in `modem-rescue detect`), that its serial driver is loaded, or name the port with --port.',
  },
  EDL_SWITCH_FAILED: {
    category: 'device',
    sentence: 'The modem did not accept the switch into download mode (EDL) over its DM port.',
    nextStep:
      'Check that --port is the DM/DIAG port (interface 0 on an EC25 in default mode). If it still does not answer, enter EDL by hardware: connect USB_BOOT to VDD_EXT while the module powers up.',
  },
  DIAG_ERROR: {
    category: 'device',
    sentence: "The modem's diagnostic (DM) port refused a command or answered with something unreadable.",
    nextStep:
      'Check that no other program (QPST, QXDM, ModemManager) uses the DM port and that the modem runs normally (not in EDL); the detail says what the modem refused.',
  },

  // --- this computer ------------------------------------------------------------------
  HOST_PERMISSION: {
    category: 'host',
    sentence: 'This computer did not allow access to the modem.',
    nextStep: 'Run `modem-rescue doctor` for the fix (udev rule on Linux, driver on Windows).',
  },
  HOST_TOOL_MISSING: {
    category: 'host',
    sentence: 'A system tool this action needs is not installed.',
    nextStep: 'Install it as the message says, then try again.',
  },
  NOT_A_FILE: {
    category: 'usage',
    sentence: 'The path names a device, a pipe, a socket or a folder, not a file.',
    nextStep: 'Name the file itself: a device (such as /dev/zero), a pipe (FIFO), a socket or a folder is never read.',
  },
  HOST_IO: {
    category: 'host',
    sentence: 'Reading or writing a file on this computer failed.',
    nextStep: 'Check free disk space and permissions of the folder, then try again.',
  },

  // --- the run itself -----------------------------------------------------------------
  CANCELLED: {
    category: 'cancelled',
    sentence: 'The run was cancelled.',
    nextStep:
      'Run it again when ready. A flash stopped part-way leaves the modem in download mode; running the flash again continues after what it already verified.',
  },
  USAGE: {
    category: 'usage',
    sentence: 'The command was not understood.',
    nextStep: 'Run `modem-rescue help` for the list of commands and options.',
  },
  INTERNAL: {
    category: 'internal',
    sentence: 'Modem Rescue ran into a problem it did not expect.',
    nextStep: 'Save a report and send it to us; the modem is no worse off than before the failed step.',
  },
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof ERRORS;

/** An error the user sees: code + what happened (detail) + the catalogue's sentence and next step. */
export class RescueError extends Error {
  readonly code: ErrorCode;
  readonly nextStep: string;
  readonly category: ErrorCategory;
  /** Specific detail of this occurrence, e.g. which file or which status. */
  readonly detail: string;

  constructor(code: ErrorCode, detail?: string, options?: { nextStep?: string; cause?: unknown }) {
    const info: ErrorInfo = ERRORS[code];
    super(
      detail ? `${info.sentence} ${detail}` : info.sentence,
      options?.cause !== undefined ? { cause: options.cause } : undefined,
    );
    this.name = 'RescueError';
    this.code = code;
    this.detail = detail ?? '';
    this.category = info.category;
    this.nextStep = options?.nextStep ?? info.nextStep;
  }
}

export function isRescueError(e: unknown): e is RescueError {
  return e instanceof RescueError;
}

/** Serialisable form for events, JSON output and IPC. */
export interface ErrorReport {
  code: ErrorCode;
  category: ErrorCategory;
  message: string;
  nextStep: string;
}

export function toErrorReport(e: unknown): ErrorReport {
  if (isRescueError(e)) return { code: e.code, category: e.category, message: e.message, nextStep: e.nextStep };
  const msg = e instanceof Error ? e.message : String(e);
  return {
    code: 'INTERNAL',
    category: 'internal',
    message: `${ERRORS.INTERNAL.sentence} (${msg})`,
    nextStep: ERRORS.INTERNAL.nextStep,
  };
}

/** Exit codes of the command line, one per category. */
export const EXIT_CODES: Record<ErrorCategory | 'ok', number> = {
  ok: 0,
  internal: 1,
  usage: 2,
  package: 3,
  device: 4,
  host: 5,
  cancelled: 130,
};
