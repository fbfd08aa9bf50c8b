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
} as const;
