// Every sentence the wizard shows, in one place, ready for translation: a translation is another
// object of this shape. Texts with values in them are functions. Components take their words
// from here (src-renderer/README.md); the engine's own messages (errors, device explanations)
// come from the engine.

export const T = {
  app: {
    brand: 'Modem Rescue',
    disconnected: 'Not connected to Modem Rescue. Trying again…',
    help: 'Help for this step',
    saveReport: 'Save report',
    savingReport: 'Saving…',
    reportSaved: 'Report saved:',
    reportDownloaded: 'Report saved and downloaded:',
    back: 'Back',
    next: 'Next',
  },
  steps: {
    connect: 'Connect',
    prepare: 'Prepare',
    backup: 'Back up QCN',
    'enter-edl': 'Enter EDL',
    package: 'Choose package',
    flash: 'Flash',
    finish: 'Verify and finish',
  },
  prepare: {
    title: 'Prepare this computer',
    intro:
      'Modem Rescue checks what this computer needs to talk to the modem: access rights, drivers, and services that grab modems.',
    checking: 'Checking…',
    none: 'No checks apply to this computer.',
    again: 'Check again',
    whatToDo: 'What to do:',
    needsAdmin: ' This asks for administrator rights.',
  },
  backup: {
    title: 'Back up the QCN',
    intro:
      "The QCN holds this modem's own calibration and identity (IMEI). A flash can lose it, and no other modem's copy will do. Save it first while the modem still runs.",
    noDevice:
      'No modem in normal mode is connected, so no backup can be made now. A modem that does not start cannot be backed up.',
    folder: 'Save the backup in this folder',
    start: 'Back up now',
    again: 'Back up again',
    running: 'Backing up…',
    saved: 'Backup saved',
    facts: {
      model: 'Model',
      firmware: 'Firmware',
      imei: 'IMEI',
      nv: 'NV items',
      efs: 'EFS files',
      file: 'File',
      sha: 'SHA-256',
    },
    skip: 'I understand that without a backup, a flash that loses the calibration leaves the modem without a working radio, and that this cannot be undone.',
  },
  package: {
    title: 'Choose the firmware package',
    intro:
      'Give the unpacked firmware folder or its .zip, as the module maker ships it. Modem Rescue checks it before anything is written.',
    field: 'Package folder or .zip',
    check: 'Check package',
    checking: 'Checking…',
    demo: 'Make a demo package',
    making: 'Making…',
    match: { yes: 'Made for this module', no: 'Not for this module', unknown: 'Cannot tell' },
    facts: { version: 'Version', module: 'Module', plan: 'Plan', toWrite: 'To write', notStated: 'not stated' },
    steps: (n: number, size: string) => `${n} steps, ${size}`,
    table: { partition: 'Partition', action: 'Action', size: 'Size' },
  },
  finish: {
    title: 'Verify and finish',
    intro: 'The modem restarts with the new firmware. Modem Rescue waits for it and asks its version.',
    modes: {
      normal: 'The modem started normally.',
      edl: 'The modem is still in download mode.',
      'memory-dump': 'The modem crashed (crash-dump mode).',
      fastboot: 'The modem is in fastboot mode.',
      unknown: 'The modem is in a mode Modem Rescue does not know.',
    } as Record<string, string>,
    noBackup: 'No QCN backup was made in this session.',
    waiting: 'Waiting for the modem to start in normal mode…',
    notChecked: 'The modem has not been checked yet.',
    firmware: 'Firmware (AT+QGMR)',
    radio: 'Radio',
    lostCalibration: 'The radio lost its calibration.',
    chooseQcn:
      'Choose this modem’s own QCN backup, if one exists: another modem’s calibration will not do. The IMEI is never written from here.',
    qcnField: 'QCN backup of this modem',
    compare: 'See what would change',
    comparing: 'Comparing…',
    restoring: 'Restoring…',
    restoreN: (n: number) => `Restore ${n} items`,
    checkAgain: 'Check the modem again',
    another: 'Rescue another modem',
  },
  connect: {
    title: 'Connect the modem',
    intro: 'Plug the modem in. It shows up below within a second or two, with what its current mode means.',
    noUsb: 'This computer gives Modem Rescue no access to USB devices.',
    listLabel: 'Modems found',
    looking: 'Looking for modems…',
    modes: {
      normal: 'Running (normal mode)',
      edl: 'Download mode (EDL 9008)',
      'memory-dump': 'Crash dump (900e)',
      fastboot: 'Fastboot',
      unknown: 'Unknown mode',
    } as Record<string, string>,
    port: { dm: 'DM port', at: 'AT port', edl: 'EDL port' },
    demoLegend: 'No modem at hand?',
    demoOn: 'Use the demo modem (a virtual EC25): the whole wizard works, nothing real is touched.',
    demoSilent: 'Start it as a silent, "bricked" modem that only answers after the manual EDL steps.',
    /** The list is empty and Next is enabled: the manual way is ahead. */
    noneGoOn:
      'No modem found. If it is plugged in but shows nothing at all, go on: the Enter EDL step shows how to force download mode by hand.',
    /** The list is empty and Next is disabled: say why, and what to do instead. */
    noneBlocked:
      'No modem can be seen: this computer gives Modem Rescue no access to USB devices (see above). Run it on the computer the modem is plugged into, or turn on the demo modem below to try the wizard.',
  },
  report: {
    save: 'Save report',
    saving: 'Saving…',
    saved: 'Report saved:',
    downloaded: 'Report saved (and downloaded by your browser):',
    openFolder: 'Open folder',
    copyPath: 'Copy path',
    copied: 'Copied.',
  },
  log: {
    save: 'Save log',
    copy: 'Copy log',
    copied: 'Log copied.',
    copyFailed: 'This browser does not let the page copy: use Save log.',
    empty: 'The log appears here while the modem is flashed.',
  },
  picker: {
    chooseFolder: 'Choose folder…',
    chooseZip: 'Choose .zip…',
    chooseFile: 'Choose file…',
    sending: (files: number, sent: string, total: string) =>
      `Sending ${files === 1 ? 'the file' : `${files} files`} to Modem Rescue: ${sent} of ${total}…`,
    dropHint: (what: 'package' | 'qcn' | 'backup-folder') =>
      what === 'package'
        ? 'Or drop the .zip or the unpacked folder here. Modem Rescue works on its own copy and removes it afterwards.'
        : 'Or drop the .qcn file here.',
    typeFolderHint: 'In the browser, type the folder; the desktop app has a folder picker.',
  },
  help: {
    title: 'Help',
    back: 'Back to the wizard',
    intro:
      'This page is part of Modem Rescue and works without the internet. Each step of the wizard links to its own part.',
    sections: [
      {
        id: 'story',
        title: 'What happened to your modem',
        paras: [
          'A cellular modem such as the Quectel EC25 keeps its firmware in flash memory. An update that stopped half-way, a package for another module or a worn flash can leave it unable to start: it no longer shows its usual ports, or it shows up only as "Qualcomm HS-USB QDLoader 9008".',
          'That is usually recoverable. The chip has a small loader in read-only memory that can always take new firmware over USB: the emergency download mode (EDL). Modem Rescue uses it to write the maker’s firmware package again, checks what it wrote, and keeps what makes your modem yours (its calibration and IMEI) where it can.',
        ],
      },
      {
        id: 'edl',
        title: 'What EDL (download mode) is',
        paras: [
          'In EDL the modem shows up as USB device 05c6:9008. It runs nothing of its own firmware: the computer sends it a small program (the "programmer" of the package), which then writes the flash.',
          'A modem that still runs can be asked to restart into EDL. One that does not answer is forced into it by hand, with two pads joined while it powers up (see The pads).',
        ],
      },
      {
        id: 'pads',
        title: 'The pads',
        paras: [
          'USB_BOOT (pin 115 of the EC25) held at 1.8 V while the module powers up makes it start in download mode. VDD_EXT (pin 7) is the module’s own 1.8 V output, so a wire from VDD_EXT to USB_BOOT does exactly that.',
          'On a bare module both are on the underside (pin 7 at the edge, pin 115 among the inner pads). On a mini-PCIe card the module is soldered: pin 7 can be reached at the module’s edge, USB_BOOT only through a test point of the card, if the card has one; Quectel does not publish where it is.',
          'Join only these two, with the power off while you place the wire. Ground (pin 8) is right beside VDD_EXT; USB_BOOT must never see VBAT (3.8 V) or the slot’s 3.3 V.',
        ],
      },
      {
        id: 'drivers',
        title: 'Drivers and access rights',
        paras: [
          'Linux: the modem’s ports belong to the dialout group (or uucp), and ModemManager may grab a modem that is being flashed. The Prepare step checks both and offers the fix.',
          'Windows: download mode needs a driver for 05c6:9008 (WinUSB, which Modem Rescue can install, or the maker’s QDLoader driver). The Prepare step says which one is in use.',
          'macOS: no driver is needed.',
        ],
      },
      {
        id: 'connect',
        title: 'Step 1, Connect',
        paras: [
          'Plug the modem in (or put the card in its slot). The list shows what the computer sees and what that mode means. Nothing is shown at all? Go on: the Enter EDL step shows how to force the modem by hand.',
        ],
      },
      {
        id: 'prepare',
        title: 'Step 2, Prepare',
        paras: [
          'Each check says what it found. A Problem has a button that fixes it, or a sentence saying what to do by hand. Check again after a fix.',
        ],
      },
      {
        id: 'backup',
        title: 'Step 3, Back up the QCN',
        paras: [
          'The QCN is your modem’s calibration and identity. It can only be read while the modem runs. Keep the file with the modem: no other modem’s copy will do.',
        ],
      },
      {
        id: 'enter-edl',
        title: 'Step 4, Enter EDL',
        paras: [
          'Automatic when the modem runs; by hand (The pads) when it does not. The indicator turns green when a 05c6:9008 device is there.',
        ],
      },
      {
        id: 'package',
        title: 'Step 5, Choose the package',
        paras: [
          'Choose the firmware package your modem’s maker ships for exactly this module (its folder or its .zip). Modem Rescue checks it and refuses a package made for another module unless you type its name.',
        ],
      },
      {
        id: 'flash',
        title: 'Step 6, Flash',
        paras: [
          'Before anything is erased you see what will happen and confirm it. If the flash stops, the modem stays in download mode: run it again and it continues after what is already written and verified. Save log and Save report keep what happened.',
        ],
      },
      {
        id: 'finish',
        title: 'Step 7, Verify and finish',
        paras: [
          'The modem restarts and Modem Rescue asks its firmware version. If the radio lost its calibration, restore it from this modem’s QCN backup.',
        ],
      },
    ],
  },
} as const;
