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
    stepsLabel: 'Steps',
    /** The badge on what belongs to the demo modem. */
    demoBadge: 'demo',
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
    /** A check's state, as its badge says it. */
    states: { ok: 'OK', warn: 'Check', fail: 'Problem', unknown: 'Not checked' },
    /** Said when a Problem or a Check has neither a fix nor its own advice. */
    manual:
      'Modem Rescue cannot change this by itself: do what the sentence above describes, then press Check again. If it stays, save a report and send it to us.',
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
    warnings: 'Warnings',
    problems: 'Problems',
    partitions: (n: number) => `Partitions (${n})`,
    /** In bold, followed by `notForModuleTail`. */
    notForModule: 'Not for this module.',
    notForModuleTail:
      ' Flashing a package made for another module can leave it unable to start. Choose the package for your module.',
    override: (word: string) => `Only if you are sure: type ${word} to flash it anyway`,
    flashable: 'This package can be flashed.',
    notFlashable: 'This package cannot be flashed.',
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
    verification: (words: string, resumed: boolean) =>
      `Verification: ${words}${resumed ? ' (this flash continued an earlier run)' : ''}.`,
    /** Around the backup's path. */
    backupLead: 'Your QCN backup (calibration and IMEI) is kept at ',
    backupTail: ': keep it with this modem. ',
    notKnown: 'not known',
    radioOk: 'calibrated, working',
    radioLost: 'lost its calibration',
    restoreFromBackup: (path: string) =>
      `Restore it from the backup made at the start (${path}): first see what would change, then restore. The IMEI is never written from here.`,
    nothingDiffers: (same: number) => `Nothing differs from the backup (${same} items checked).`,
    wouldWrite: (items: readonly string[]) =>
      `${items.length} items differ and would be written: ${items.slice(0, 8).join(', ')}${items.length > 8 ? ', …' : ''}.`,
    partlyRestored: (written: number, verified: number, notRestored: string, freshBackup: string | undefined) =>
      `Partly restored: ${written} items written, ${verified} read back and equal. Not restored: ${notRestored}. A backup of the state before was saved first: ${freshBackup ?? 'see the log'}.`,
    restored: (written: number, verified: number, freshBackup: string | undefined) =>
      `Restored ${written} items, ${verified} read back and equal. A backup of the state before was saved first: ${freshBackup ?? 'see the log'}.`,
    cannotWrite: (items: string) => ` Cannot be written: ${items}.`,
    leftAlone: (items: string) => ` Left as they are (identity items): ${items}.`,
    undoing: 'Undoing…',
    undo: (firmware: string | undefined, savedAt: string) =>
      `Undo this upgrade (back to ${firmware ?? 'the earlier firmware'}, saved ${savedAt})`,
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
  /** The bench view: several modems at once (issue 16). */
  bench: {
    title: 'Bench: several modems at once',
    intro:
      'Every modem connected to this computer, each with its mode and its own progress. Flash all of those in download mode at once: each is flashed by its own run, so one that stalls or drops off does not hold up the others.',
    open: (n: number) => `Open the bench view (${n} modems)`,
    connectHint: (n: number) => `${n} modems are connected. The bench view flashes them all at once.`,
    sidebar: (n: number) => `Bench (${n} modems)`,
    close: 'Back to the wizard',
    listLabel: 'Modems on the bench',
    empty: 'No modem is connected. Plug the modems in (or turn the demo on in the Connect step).',
    serial: (serial: string) => `Serial ${serial}`,
    offBus: 'Not on the bus right now (restarting, or unplugged)',
    toEdl: 'Switch to download mode',
    allToEdl: 'Switch all running modems to download mode',
    switching: 'Switching…',
    package: {
      field: 'Firmware package for every modem',
      check: 'Check package',
      checking: 'Checking…',
      demo: 'Use the demo package',
      making: 'Making the demo package…',
    },
    packageChosen: (root: string, version: string | undefined) =>
      `Package: ${root}${version ? ` (version ${version})` : ''}`,
    powerConsent:
      'If a modem hangs, let Modem Rescue cut the power of that modem only (its own USB port) and continue by itself',
    powerConsentOff: 'If a modem hangs, its run stops and says so; the others go on.',
    flashAll: 'Flash all in download mode',
    flashing: 'Flashing…',
    cancel: 'Stop all',
    cancelConfirm: {
      title: 'Stop flashing every modem?',
      body: 'Each modem still being flashed is left without working firmware until it is flashed again; it comes back in download mode, and the next run continues after what is already verified. Modems already flashed keep their new firmware.',
      go: 'Stop all',
      keep: 'Keep flashing',
    },
    why: {
      busy: 'Wait for the running step to end.',
      'no-package': 'Choose a firmware package first.',
      'not-flashable': 'This package cannot be flashed on these modems: the Choose package step says why.',
      'none-in-edl': 'No modem is in download mode yet.',
    },
    confirm: {
      title: (n: number) => `Erase and flash ${n === 1 ? 'this modem' : `these ${n} modems`}?`,
      modules: 'Modems',
      package: 'Package',
      powerCycle: 'Power cuts',
      powerOn: 'allowed: a modem that hangs has its own USB port switched off and on',
      powerOff: 'not allowed: a modem that hangs stops and says so',
      body: 'Once the first partition of a modem is erased, it has no working firmware until its flash completes. A modem whose run stops can be flashed again: it continues safely.',
      go: (n: number) => `Erase and flash ${n === 1 ? 'this modem' : `${n} modems`}`,
      back: 'Not now',
    },
    state: {
      idle: 'Not flashed yet',
      flashing: 'Flashing',
      stalled: 'No data moving',
      done: 'Flashed',
      failed: 'Stopped',
    },
    show: 'Show log',
    hide: 'Hide log',
    progressLabel: (name: string) => `Progress of ${name}`,
    recovered: 'Recovered:',
    recovering: 'Recovering:',
    powerCycled: (n: number) => `Its power was cut and the run continued ${n === 1 ? 'once' : `${n} times`}.`,
    rowDone: (size: string, seconds: number, verification: string) =>
      `${size} written in ${seconds} s; verification: ${verification}.`,
    summary: (ok: number, total: number, seconds: number) =>
      `${ok} of ${total} modems flashed in ${seconds} s.${ok < total ? ' Open a stopped row for its error and what to do.' : ''}`,
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
    label: 'Log',
    header: (savedAt: string) => `Modem Rescue log, saved ${savedAt}`,
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
  flash: {
    title: 'Flash the modem',
    intro:
      'Keep the modem connected and the computer awake until this finishes. If the modem stalls, Modem Rescue resends and goes on by itself.',
    verify: 'Read back and check every partition after writing it',
    verifyOn: 'Recommended. It takes a little longer, and proves that what is on the modem is exactly the package.',
    verifyOff: 'Without it, a bad write is only noticed when the modem fails to start, or later.',
    powerConsent: 'If the modem hangs, let Modem Rescue cut its power and continue by itself',
    powerConsentOn:
      "It switches the modem's USB port off and on where the hub allows it, else suspends this computer for a few seconds and wakes it (a laptop's modem slot loses power then). Each time is shown below.",
    powerConsentOff: 'If the modem hangs, the flash stops and asks you to power-cycle it; then Resume continues it.',
    flashing: 'Flashing…',
    again: 'Flash again',
    resume: 'Resume the flash',
    start: 'Start flashing',
    cancel: 'Cancel safely',
    confirm: {
      title: 'Erase and flash this modem?',
      body: 'Once the first partition is erased, the modem has no working firmware until the flash completes. If it stops, run it again: it continues safely.',
      /** Followed by the folder (shown as a path), then `snapshotEnd`. */
      snapshot: (duration: string, size: string) =>
        `First save the firmware now on the modem, to undo this upgrade later (about ${duration}, up to ${size} of disk in `,
      snapshotEnd: ')',
      go: 'Erase and flash',
      back: 'Not now',
    },
    cancelConfirm: {
      title: 'Stop the flash?',
      body: 'The modem will be left without working firmware until you run the flash again; it comes back in download mode, and the next run continues after what is already verified.',
      go: 'Stop the flash',
      keep: 'Keep flashing',
    },
    recovered: 'Recovered: ',
    recovering: 'Recovering: ',
    timesSoFar: (n: number) => ` (${n} times so far)`,
    powerCycles: "Modem Rescue cut the modem's power, as you allowed",
    next: {
      title: 'What to do now',
      cutPower:
        "Cut the modem's power: unplug it for five seconds, or use an action below. It comes back in download mode.",
      /** Around the name of the resume button (`resume`), shown in bold. */
      resumeLead: 'When the indicator says it answers, press ',
      resumeTail: ': it continues after the partitions already written and verified.',
      answers: 'The modem is in download mode and answers: you can resume.',
      notYet: 'The modem is in download mode; waiting for it to answer…',
      waiting: 'Waiting for the modem to come back in download mode (05c6:9008)…',
    },
    demo: {
      group: 'Demo modem: act out the power cycle',
      replug: 'Unplug and replug the modem',
      explain: 'What the person would do with a real module that stopped answering.',
    },
    stopped: 'Stopped: see the message above.',
    done: 'Done.',
    notStarted: 'Not started.',
    overall: 'Overall progress',
    allDone: (n: number) => `All ${n} steps done`,
    /** What the current plan step does to its partition. */
    doing: {
      program: (label: string) => `Writing ${label}`,
      erase: (label: string) => `Erasing ${label}`,
      patch: (label: string) => `Patching ${label}`,
      reset: (label: string) => label.charAt(0).toUpperCase() + label.slice(1),
    },
    stalled: 'stalled',
    finished: 'finished',
    noData: 'no data moving',
    ofTotal: (done: string, total: string) => `${done} of ${total}`,
    partProgress: (label: string) => `Progress of ${label}`,
    flashed: (size: string, seconds: number, resumed: boolean, verification: string) =>
      `Flashed ${size} in ${seconds} s${resumed ? ', continuing an earlier run' : ''}. Verification: ${verification}.`,
  },
  /** The confirmation before the first erase, and the module's state after a stop (store/flash-summary.ts). */
  summary: {
    andMore: (shown: string, more: number) => `${shown} and ${more} more`,
    module: 'Module',
    moduleText: (name: string, vidPid: string, where: string) => `${name} (${vidPid}, ${where})`,
    demoModule: 'demo module',
    usb: (id: string) => `USB ${id}`,
    noModule: 'no module in download mode',
    package: 'Package',
    erasedFirst: 'Erased first',
    erased: (n: number, names: string) => `${n} partitions: ${names}`,
    thenWritten: 'Then written',
    written: (n: number, size: string, names: string) => `${n} images, ${size}: ${names} (the boot loader last)`,
    alreadyThere: 'Already there',
    alreadyThereText:
      'partitions the module already holds (compared by SHA-256 digest before erasing) are neither erased nor written; the boot loader always is. The log names them as it goes.',
    calibration: 'Calibration and IMEI',
    calibrationKept: 'kept: this package leaves EFS/NV alone',
    calibrationErased: 'ERASED: this package rewrites EFS/NV; only a QCN backup can bring them back',
    qcn: 'QCN backup',
    qcnVerified: (path: string) => `verified, ${path}`,
    qcnNone: 'none made in this session: calibration lost now could not be put back',
    warning: 'Warning',
    otherModule: 'this package is for another module; you typed its name to flash it anyway',
    state: {
      untouched: 'Nothing was erased or written in this run: the modem is as it was before it.',
      erasedOnly:
        'Partitions were erased and nothing new was written yet: the modem has no working firmware now and comes back in download mode. Run the flash again; it starts over safely.',
      allWritten: (total: number) =>
        `All ${total} images were written and verified; only the final steps were left. Run the flash again to finish.`,
      partly: (written: number, total: number) =>
        `The modem was erased and ${written} of ${total} images were written and verified: it has no working firmware until the rest is written, and comes back in download mode. Run the flash again; it continues after what is verified.`,
    },
  },
  enterEdl: {
    title: 'Enter download mode (EDL)',
    intro: 'The modem is flashed in its emergency download mode, where it shows up as 05c6:9008.',
    auto: {
      title: 'Automatic',
      body: 'If the modem still runs, Modem Rescue asks it over its diagnostic (DM) port to restart into download mode.',
      switching: 'Switching…',
      switch: 'Switch to download mode',
      unusable: 'No running modem is connected, so this cannot be used: follow the steps by hand.',
    },
    manual: {
      title: 'By hand, when the modem does not answer',
      formLegend: 'Your modem is',
      careful: 'Careful:',
      step1: (module: boolean) =>
        `${module ? 'Power off and take the module out.' : 'Power off the computer (or the board the card sits in) and take the card out.'} Find the two pads listed above.`,
      step2: 'Join them with a thin wire or tweezers, and keep them joined while the module powers up.',
      /** Step 3 and 5: a lead, a part in bold, a tail. */
      step3Lead: (module: boolean) => `Put the ${module ? 'module' : 'card'} back and power it up. In a laptop slot, `,
      step3Bold: 'suspend the computer and resume it',
      step3Tail: ': this power-cycles the slot.',
      step4: 'Remove the wire once the indicator at the top of this step turns green.',
      step5Lead: 'If it turned green but the flash says the modem sends no greeting, ',
      step5Bold: 'suspend and resume once more',
      step5Tail: ': some modules only greet after a second power cycle.',
    },
    demo: {
      group: 'Demo modem: act out the manual steps',
      join: 'Join USB_BOOT to VDD_EXT',
      suspend: 'Suspend and resume',
    },
    silent: {
      title: 'In download mode, but not answering yet',
      body: (vidPid: string) =>
        `The modem enumerated as ${vidPid} but its boot ROM has not greeted. This is what the user of this tool met: one more suspend and resume (or switching its USB port off and on) made it answer. Nothing has been written.`,
    },
  },
  edlIndicator: {
    waiting: 'Waiting for a modem in download mode (05c6:9008)…',
    answering: (name: string, vidPid: string) => `Download mode, answering: ${name} (${vidPid})`,
    onBus: (vidPid: string, name: string, silent: boolean) =>
      `${vidPid} is on the bus (${name}); ${silent ? 'it does not answer yet' : 'listening for its greeting…'}`,
  },
  /** The two pads of the forced download mode, per module form (pads.ts holds the pin numbers and sources). */
  pads: {
    lga: {
      title: 'EC25 module (LGA, taken out or on a bare board)',
      vddWhere: 'an edge pad on the module, pin 7',
      bootWhere: 'an inner pad on the underside, pin 115',
    },
    miniPcie: {
      title: 'EC25 on a mini-PCIe card',
      vddWhere: 'pin 7 of the module soldered on the card: an edge pad, reachable at the edge of the module',
      bootWhere:
        'pin 115 of the module: an inner pad under the soldered module, so it is reached through a test point of the card',
      notes: [
        'The module is soldered to the card: do not try to reach its underside. Neither pad is one of the card’s gold edge fingers.',
        'Quectel does not publish where the card brings USB_BOOT out. Look for a test pad marked USB_BOOT (or BOOT) near the module; if there is none, the card cannot be forced by hand without the card maker’s drawing.',
      ],
    },
    vddRole: '1.8 V output of the module',
    bootRole: 'forces download mode when held at 1.8 V during power-up',
    warning:
      'Join only these two. VDD_EXT sits between other pads, among them ground (pin 8 beside it): a wire that also touches a neighbour shorts the 1.8 V supply or feeds 1.8 V where it does not belong. Never join USB_BOOT to VBAT (3.8 V) or to the 3.3 V of the slot: that can destroy the module. Work with the power off, and use a thin wire or fine tweezers.',
    pin: (n: number) => `pin ${n}`,
    pinUnknown: 'pin number not published',
  },
  /** The wizard's own errors: the engine cannot be reached, or nothing was chosen (api/, store/actions.ts). */
  errors: {
    restartEngine:
      'Check that Modem Rescue is still running (the terminal of `modem-rescue serve`, or the app window); restart it and open the address it prints.',
    unexpected: (detail: string) => `Modem Rescue ran into a problem it did not expect (${detail}).`,
    unexpectedNext: 'Save a report and send it to us; the modem is not harmed by this.',
    notAttached: 'The wizard is not connected to Modem Rescue.',
    noPackage: 'No package was chosen.',
    noPackageNext: 'Type the path of the unpacked firmware folder or its .zip, then press Check package.',
    desktopDialogs: 'The desktop app picks files with its own dialogs.',
    noFile: 'No file was chosen.',
    notSent: (file: string) => `${file} could not be sent to Modem Rescue.`,
    notTaken: (file: string, status: number) => `Modem Rescue did not take ${file} (HTTP ${status}).`,
    noToken: 'This page was opened without its access token, so it cannot talk to Modem Rescue.',
    closed: 'The connection to Modem Rescue was closed.',
    notConnected: 'Not connected to Modem Rescue.',
    noAnswer: (method: string, seconds: number) => `Modem Rescue did not answer "${method}" within ${seconds} s.`,
    closing: (method: string) => `Could not send "${method}" to Modem Rescue: the connection is closing.`,
    lost: 'The connection to Modem Rescue was lost while waiting for an answer. If a flash was running, it goes on (or stops safely) on the computer that runs it.',
    connectTimeout: (seconds: number) => `Could not connect to Modem Rescue within ${seconds} s.`,
    undescribed: (method: string) => `Modem Rescue answered "${method}" with an error it did not describe.`,
  },
  /** The drawing of the module's underside (components/PadIllustration.tsx); pins as "pin 7". */
  padDrawing: {
    title: (bootPin: string, vddPin: string) =>
      `EC25 module seen from below: connect USB_BOOT (${bootPin}) to VDD_EXT (${vddPin})`,
    desc: (vddPin: string, bootPin: string, onCard: boolean) =>
      `The module outline with its pads. 1: VDD_EXT (${vddPin}, left edge) and 2: USB_BOOT (${bootPin}, an inner pad) are highlighted; a wire joins them while the module powers up.${onCard ? ' On a mini-PCIe card the module is soldered: pad 2 is reached through a test point of the card.' : ''}`,
    moduleOnCard: 'EC25 (seen through the card)',
    moduleBare: 'EC25 (underside)',
    vdd: '1 VDD_EXT',
    vddSub: (pin: string) => `${pin}, 1.8 V`,
    boot: '2 USB_BOOT',
    bootViaTestPoint: 'via test point',
    bootToVdd: 'to VDD_EXT',
  },
  powerCycle: {
    title: 'Power-cycle it from this computer',
    confirmLabel: (action: string) => `Confirm: ${action}`,
    willDo: 'This will:',
    needsPassword: ' It asks for your password first.',
    doIt: 'Do it',
    notNow: 'Not now',
  },
  error: {
    title: 'Something went wrong',
    whatToDo: 'What to do: ',
    dismiss: 'Dismiss',
  },
  deviceStrip: {
    label: 'Connected modem',
    title: 'Modem now',
    looking: 'Looking…',
    none: 'None connected',
    modes: {
      normal: 'running',
      edl: 'download mode',
      'memory-dump': 'crash dump',
      fastboot: 'fastboot',
      unknown: 'unknown mode',
    } as Record<string, string>,
  },
  /** Why Next (or Start flashing) is not available yet (steps/gates.ts). */
  gates: {
    busy: 'Wait until the current action has finished.',
    choosePackage: 'Choose a package and check it first.',
    packageProblems: 'This package cannot be flashed: see the problems listed.',
    otherModule: (word: string) =>
      `This package is for another module. To flash it anyway, type ${word} in the box below.`,
    looking: 'Looking for modems…',
    noUsb: 'This computer gives no access to USB devices. Turn on the demo modem to try the wizard.',
    backupFirst: 'Back up the QCN first, or tick "I understand" to go on without a backup.',
    noEdl: 'Waiting for the modem to appear in download mode (05c6:9008).',
    edlSilent: 'The modem is in download mode but does not answer yet: see above.',
    edlWaiting: 'The modem is in download mode; waiting for it to answer…',
    leftEdl: 'The modem left download mode: go back and enter EDL again.',
    flashFirst: 'Flash the package first.',
    lastStep: 'This is the last step.',
    unknownStep: 'Unknown step.',
    flashablePackage: 'Choose a flashable package first.',
    noEdlToFlash: 'No modem in download mode (05c6:9008): go back to "Enter EDL", or power-cycle it.',
    flashSilent: 'The modem is in download mode but does not answer: power-cycle it once more.',
    flashWaiting: 'The modem is back in download mode; waiting for it to answer…',
  },
  /** Numbers as a person reads them (format.ts). */
  format: {
    bytes: (n: number) => `${n} B`,
    units: ['KiB', 'MiB', 'GiB'],
    amount: (value: string, unit: string) => `${value} ${unit}`,
    perSecond: (size: string) => `${size}/s`,
    seconds: (s: number) => `${s} s`,
    minutes: (m: number) => `${m} min`,
    estimating: 'estimating…',
    secondsLeft: (s: number) => `${s} s left`,
    minutesLeft: (m: number, s: number) => `${m} min ${s} s left`,
    hoursLeft: (h: number, m: number) => `${h} h ${m} min left`,
    verification: {
      digest: 'the modem computed a SHA-256 fingerprint of every partition written, and each matched the package',
      'read-back': 'every partition written was read back from the modem and matched the package byte for byte',
      mixed:
        'every partition written was checked against the package, by the modem’s fingerprint or by reading it back',
      skipped: 'not checked: verification was turned off for this flash',
    } as Record<string, string>,
  },
  help: {
    title: 'Help',
    back: 'Back to the wizard',
    contents: 'Help contents',
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
