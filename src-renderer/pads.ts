// Where the two pads of the forced download mode are, per supported module form. Pure data, so
// the instructions and the drawing say the same thing, and a test can hold them to it.
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

export const PAD_GUIDES: Record<ModuleForm, PadGuide> = {
  lga: {
    form: 'lga',
    title: 'EC25 module (LGA, taken out or on a bare board)',
    pads: [
      {
        name: 'VDD_EXT',
        pin: 7,
        role: '1.8 V output of the module',
        where: 'an edge pad on the module, pin 7',
      },
      {
        name: 'USB_BOOT',
        pin: 115,
        role: 'forces download mode when held at 1.8 V during power-up',
        where: 'an inner pad on the underside, pin 115',
      },
    ],
    notes: [],
  },
  'mini-pcie': {
    form: 'mini-pcie',
    title: 'EC25 on a mini-PCIe card',
    pads: [
      {
        name: 'VDD_EXT',
        pin: 7,
        role: '1.8 V output of the module',
        where: 'pin 7 of the module soldered on the card: an edge pad, reachable at the edge of the module',
      },
      {
        name: 'USB_BOOT',
        pin: 115,
        role: 'forces download mode when held at 1.8 V during power-up',
        where:
          'pin 115 of the module: an inner pad under the soldered module, so it is reached through a test point of the card',
      },
    ],
    notes: [
      'The module is soldered to the card: do not try to reach its underside. Neither pad is one of the card’s gold edge fingers.',
      'Quectel does not publish where the card brings USB_BOOT out. Look for a test pad marked USB_BOOT (or BOOT) near the module; if there is none, the card cannot be forced by hand without the card maker’s drawing.',
    ],
  },
};

export const SHORT_WARNING =
  'Join only these two. VDD_EXT sits between other pads, among them ground (pin 8 beside it): a wire that also touches a neighbour shorts the 1.8 V supply or feeds 1.8 V where it does not belong. Never join USB_BOOT to VBAT (3.8 V) or to the 3.3 V of the slot: that can destroy the module. Work with the power off, and use a thin wire or fine tweezers.';

/** "pin 7", or the honest words when no public source gives the number. */
export function pinLabel(p: PadFact): string {
  return p.pin === undefined ? 'pin number not published' : `pin ${p.pin}`;
}
