// Choices the person makes that outlive a single step.

import { create } from 'zustand';

export interface SettingsStore {
  /** Read back every partition after writing it (on unless the person turns it off). */
  verify: boolean;
  /** Demo: the virtual modem answers nothing until the manual EDL steps. */
  demoSilent: boolean;
  setVerify(v: boolean): void;
  setDemoSilent(v: boolean): void;
}

export const useSettings = create<SettingsStore>()((set) => ({
  verify: true,
  demoSilent: false,
  setVerify: (verify) => set({ verify }),
  setDemoSilent: (demoSilent) => set({ demoSilent }),
}));
