// Choices the person makes that outlive a single step.

import { create } from 'zustand';

export interface SettingsStore {
  /** Read back every partition after writing it (on unless the person turns it off). */
  verify: boolean;
  /** Demo: the virtual modem answers nothing until the manual EDL steps. */
  demoSilent: boolean;
  /** The person allows the flash to cut the modem's power itself if it hangs (asked, off by default). */
  powerCycleConsent: boolean;
  setVerify(v: boolean): void;
  setPowerCycleConsent(v: boolean): void;
  setDemoSilent(v: boolean): void;
}

export const useSettings = create<SettingsStore>()((set) => ({
  verify: true,
  demoSilent: false,
  powerCycleConsent: false,
  setVerify: (verify) => set({ verify }),
  setPowerCycleConsent: (powerCycleConsent) => set({ powerCycleConsent }),
  setDemoSilent: (demoSilent) => set({ demoSilent }),
}));
