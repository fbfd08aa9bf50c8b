// IMEIs: the Luhn check, and NV item 550's layout: 08, (d1 << 4) | 0x0A, then digits 2..15 as
// nibble-swapped BCD in a 128-byte NV record. Used by the QCN file, the AT parser and the
// virtual modem alike.

export const NV_IMEI = 550;
const NV_DATA_BYTES = 128;

/** Luhn check of a digit string (its last digit checks the others). */
export function luhnValid(digits: string): boolean {
  return /^\d{2,}$/.test(digits) && luhnDigit(digits.slice(0, -1)) === Number(digits[digits.length - 1]);
}

/** The Luhn check digit for the digits given (the first 14 of an IMEI). */
export function luhnDigit(first14: string): number {
  let sum = 0;
  for (let i = 0; i < first14.length; i++) {
    let d = first14.charCodeAt(first14.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** 15 digits whose last is the Luhn check digit of the others. */
export function isValidImei(imei: string): boolean {
  return /^\d{15}$/.test(imei) && luhnDigit(imei.slice(0, 14)) === Number(imei[14]);
}

/** The 128-byte NV 550 data for an IMEI (checked: 15 digits with a valid check digit). */
export function imeiToNv(imei: string): Uint8Array {
  if (!isValidImei(imei)) throw new RangeError(`"${imei}" is not a valid IMEI (15 digits with a Luhn check digit)`);
  const d = [...imei].map((c) => c.charCodeAt(0) - 48);
  const out = new Uint8Array(NV_DATA_BYTES);
  out[0] = 0x08;
  out[1] = (d[0]! << 4) | 0x0a;
  for (let k = 0; k < 7; k++) out[2 + k] = (d[2 + 2 * k]! << 4) | d[1 + 2 * k]!;
  return out;
}

/** The IMEI held in NV 550 data, or undefined when the bytes are not an IMEI (empty, not BCD). */
export function nvToImei(data: Uint8Array): string | undefined {
  if (data.length < 9 || data[0] !== 0x08 || (data[1]! & 0x0f) !== 0x0a) return undefined;
  const digits = [data[1]! >> 4];
  for (let k = 0; k < 7; k++) digits.push(data[2 + k]! & 0x0f, data[2 + k]! >> 4);
  if (digits.some((x) => x > 9)) return undefined;
  return digits.join('');
}
