// Live device state, as pushed by the engine ({type:'devices'}) or fetched with getDevices.

import { create } from 'zustand';
import type { DeviceState } from '../../shared/api.js';

export interface DevicesStore {
  state: DeviceState | undefined;
  set(state: DeviceState): void;
}

export const useDevices = create<DevicesStore>()((set, get) => ({
  state: undefined,
  set(state) {
    // Events and call results can cross: never go back to an older picture.
    const cur = get().state;
    if (cur && state.updatedAt < cur.updatedAt) return;
    set({ state });
  },
}));
