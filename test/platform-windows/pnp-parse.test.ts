import { describe, expect, it } from 'vitest';
import {
  MAX_PNP_OUTPUT,
  comPortInName,
  parsePnputilDevices,
  parsePowerShellPnpJson,
  parseRegPortName,
  usbIdsOf,
} from '../../src-main/platform/windows/pnp-devices.js';
import {
  EDL_ID,
  PNPUTIL_NO_DRIVER,
  PNPUTIL_QDLOADER_NO_COM,
  PS7_NO_DRIVER_NAMED,
  PS_NO_DRIVER,
  PS_QDLOADER,
  PS_WINUSB,
  REG_PORTNAME,
} from './samples.js';

describe('Get-PnpDevice JSON', () => {
  it('reads an array, a single object, a BOM and nulls', () => {
    expect(parsePowerShellPnpJson(PS_WINUSB)).toEqual([
      {
        instanceId: EDL_ID,
        name: 'Qualcomm EDL 9008 (WinUSB, Modem Rescue)',
        className: 'USBDevice',
        service: 'WINUSB',
        status: 'OK',
        problemCode: 0,
      },
    ]);
    expect(parsePowerShellPnpJson(PS_QDLOADER)[0]).toMatchObject({
      className: 'Ports',
      service: 'qcusbser',
      name: 'Qualcomm HS-USB QDLoader 9008 (COM7)',
    });
    expect(parsePowerShellPnpJson(PS_NO_DRIVER)).toEqual([
      { instanceId: EDL_ID, name: 'QUSB__BULK', status: 'Error', problemCode: 28 },
    ]);
  });

  it('reads problem codes PowerShell 7 prints as names', () => {
    expect(parsePowerShellPnpJson(PS7_NO_DRIVER_NAMED)[0]!.problemCode).toBe(28);
    expect(
      parsePowerShellPnpJson(
        JSON.stringify({ InstanceId: EDL_ID, ConfigManagerErrorCode: 'CM_PROB_SOMETHING_NEW' }),
      )[0]!.problemCode,
    ).toBe(-1);
  });

  it('treats no output as no devices, and refuses garbage and oversized output with a clear error', () => {
    expect(parsePowerShellPnpJson('  \r\n')).toEqual([]);
    expect(() => parsePowerShellPnpJson('Get-PnpDevice : The term is not recognized')).toThrow(/not JSON/);
    expect(() => parsePowerShellPnpJson(' '.repeat(MAX_PNP_OUTPUT + 1))).toThrow(/more than/);
    expect(parsePowerShellPnpJson('[1, null, "x", {"FriendlyName": "no id"}]')).toEqual([]);
  });
});

describe('pnputil /enum-devices text', () => {
  it('reads one record per Instance ID block, with the problem code as a number', () => {
    const devs = parsePnputilDevices(PNPUTIL_QDLOADER_NO_COM);
    expect(devs).toHaveLength(2);
    expect(devs[1]).toEqual({
      instanceId: EDL_ID,
      name: 'Qualcomm HS-USB QDLoader 9008',
      className: 'Ports',
      status: 'Started',
      driverInf: 'oem23.inf',
    });
    const none = parsePnputilDevices(PNPUTIL_NO_DRIVER);
    expect(none).toEqual([{ instanceId: EDL_ID, name: 'QUSB__BULK', status: 'Problem', problemCode: 28 }]);
  });

  it('ignores the banner, stray lines and values before the first record', () => {
    expect(parsePnputilDevices('Microsoft PnP Utility\n\nStatus: Started\nno colon here\n')).toEqual([]);
  });
});

describe('identifiers', () => {
  it('splits USB instance ids into VID, PID and interface', () => {
    expect(usbIdsOf(EDL_ID)).toEqual({ vendorId: 0x05c6, productId: 0x9008 });
    expect(usbIdsOf('USB\\VID_2C7C&PID_0125&MI_02\\8&3A9C51D&0&0002')).toEqual({
      vendorId: 0x2c7c,
      productId: 0x0125,
      interfaceNumber: 2,
    });
    expect(usbIdsOf('PCI\\VEN_8086&DEV_A36D\\3&11583659&0&A0')).toBeUndefined();
  });

  it('finds the COM port in a friendly name and in reg query output', () => {
    expect(comPortInName('Qualcomm HS-USB QDLoader 9008 (COM7)')).toBe('COM7');
    expect(comPortInName('QUSB__BULK')).toBeUndefined();
    expect(parseRegPortName(REG_PORTNAME)).toBe('COM9');
    expect(
      parseRegPortName('ERROR: The system was unable to find the specified registry key or value.'),
    ).toBeUndefined();
  });
});
