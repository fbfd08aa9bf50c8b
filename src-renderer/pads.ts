// Where the two pads of the forced download mode are, per supported module form. Pure data, so
// the instructions and the drawing say the same thing, and a test can hold them to it; the words
// are in text.ts (T.pads), the pin numbers and their sources here.
//
// Sources (public):
// - Quectel EC25 Hardware Design (LTE Standard module series), pin description table:
//   VDD_EXT = pin 7 (power output, 1.8 V, "reserve a test point"), USB_BOOT = pin 115 (digital
//   input, "force the module into emergency download mode", 1.8 V domain, active high).
// - The same numbers, in the same LTE Standard LGA footprint, in Quectel's EC200A-CN(TA)
//   QuecOpen hardware design manual V1.0.0 (2023-04-11), table 6: VDD_EXT 7, USB_BOOT 115; its
//   ground list starts at pins 8, 9, 10 (beside VDD_EXT), and pins 85-112 are inner ground pads.
// - Pins 1-84 run round the module's edge (LCC, reachable at the edge when soldered); pin 115
//   is one of the inner LGA pads, under the module.
// - Mini-PCIe card (EC25 Mini PCIe): the card's edge connector carries no USB_BOOT signal in
//   Quectel's public EC25 Mini PCIe hardware design, and Quectel publishes no position of a
//   USB_BOOT test point on the card: the UI says so instead of inventing one.
//   /work/shared/reference/quectel-modules.md (project notes): on a mini-PCIe card the pins are
//   module pads, not card-edge pins; one user needed suspend/resume to power-cycle the slot.

import { T } from './text.js';

export type ModuleForm = 'lga' | 'mini-pcie';

export interface PadFact {
  name: 'VDD_EXT' | 'USB_BOOT';
  /** The module's pin number; undefined when no public source gives it. */
  pin: number | undefined;
  /** What it is, in a few words. */
  role: string;
  /** Where to find it on this form. */
  where: string;
}

export interface PadGuide {
  form: ModuleForm;
  title: string;
  pads: [PadFact, PadFact];
  /** Form-specific notes (what is reachable, what is not published). */
  notes: string[];
}

const P = T.pads;

export const PAD_GUIDES: Record<ModuleForm, PadGuide> = {
  lga: {
    form: 'lga',
    title: P.lga.title,
    pads: [
      { name: 'VDD_EXT', pin: 7, role: P.vddRole, where: P.lga.vddWhere },
      { name: 'USB_BOOT', pin: 115, role: P.bootRole, where: P.lga.bootWhere },
    ],
    notes: [],
  },
  'mini-pcie': {
    form: 'mini-pcie',
    title: P.miniPcie.title,
    pads: [
      { name: 'VDD_EXT', pin: 7, role: P.vddRole, where: P.miniPcie.vddWhere },
      { name: 'USB_BOOT', pin: 115, role: P.bootRole, where: P.miniPcie.bootWhere },
    ],
    notes: [...P.miniPcie.notes],
  },
};

export const SHORT_WARNING = P.warning;

/** "pin 7", or the honest words when no public source gives the number. */
export function pinLabel(p: PadFact): string {
  return p.pin === undefined ? P.pinUnknown : P.pin(p.pin);
}
