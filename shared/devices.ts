// The USB identities Modem Rescue knows, and what each mode means to a person. Pure data.

export type DeviceMode = 'normal' | 'edl' | 'memory-dump' | 'fastboot' | 'unknown';

export interface UsbIdentity {
  vendorId: number;
  productId: number;
}

export interface KnownDevice extends UsbIdentity {
  mode: DeviceMode;
  /** Module family or Qualcomm composition name. */
  name: string;
  chip?: string;
}

export const QUALCOMM_VID = 0x05c6;
export const QUECTEL_VID = 0x2c7c;

export const EDL_IDS: readonly UsbIdentity[] = [{ vendorId: QUALCOMM_VID, productId: 0x9008 }];

export const KNOWN_DEVICES: readonly KnownDevice[] = [
  { vendorId: QUALCOMM_VID, productId: 0x9008, mode: 'edl', name: 'Qualcomm HS-USB QDLoader 9008 (EDL)' },
  { vendorId: QUALCOMM_VID, productId: 0x900e, mode: 'memory-dump', name: 'Qualcomm crash dump mode (900E)' },
  { vendorId: 0x18d1, productId: 0xd00d, mode: 'fastboot', name: 'Android fastboot' },
  {
    vendorId: QUECTEL_VID,
    productId: 0x0125,
    mode: 'normal',
    name: 'Quectel EC25 / EG25-G / EC20 R2 / EM05',
    chip: 'MDM9607',
  },
  { vendorId: QUECTEL_VID, productId: 0x0121, mode: 'normal', name: 'Quectel EC21 / EG21-G', chip: 'MDM9x07' },
  { vendorId: QUECTEL_VID, productId: 0x0306, mode: 'normal', name: 'Quectel EP06 / EG06 / EM06' },
  { vendorId: QUECTEL_VID, productId: 0x0296, mode: 'normal', name: 'Quectel BG96' },
  { vendorId: QUECTEL_VID, productId: 0x0700, mode: 'normal', name: 'Quectel BG95 / BG77' },
  { vendorId: QUECTEL_VID, productId: 0x0512, mode: 'normal', name: 'Quectel EM12 / EG12 / EG18', chip: 'SDX20' },
  { vendorId: QUECTEL_VID, productId: 0x0620, mode: 'normal', name: 'Quectel EM160R' },
  { vendorId: QUECTEL_VID, productId: 0x0800, mode: 'normal', name: 'Quectel RM500Q / RG500Q', chip: 'SDX55' },
  { vendorId: QUECTEL_VID, productId: 0x0801, mode: 'normal', name: 'Quectel RM520N', chip: 'SDX6x' },
  { vendorId: QUALCOMM_VID, productId: 0x9215, mode: 'normal', name: 'Quectel EC20 (old)' },
  { vendorId: QUALCOMM_VID, productId: 0x901f, mode: 'normal', name: 'Qualcomm default composition 901F' },
  { vendorId: QUALCOMM_VID, productId: 0x9091, mode: 'normal', name: 'Qualcomm default composition 9091' },
];

export const MODE_EXPLANATIONS: Record<DeviceMode, string> = {
  normal:
    'The modem is running its firmware. A QCN backup can be made now, and it can be switched to download mode over its DM port.',
  edl: 'Emergency download mode (EDL): the modem waits for a programmer and can be flashed.',
  'memory-dump':
    'Crash-dump mode: the modem crashed and waits for a memory dump. It cannot be flashed; power-cycle it and enter EDL again.',
  fastboot:
    'Fastboot mode: the modem is in the Android bootloader, not in download mode. AT+QFASTBOOT leads here; it is not EDL.',
  unknown: 'A Qualcomm or Quectel device this tool does not know.',
};

export function identify(vendorId: number, productId: number): KnownDevice | undefined {
  return KNOWN_DEVICES.find((d) => d.vendorId === vendorId && d.productId === productId);
}

export function isEdl(vendorId: number, productId: number): boolean {
  return EDL_IDS.some((d) => d.vendorId === vendorId && d.productId === productId);
}

export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
