import { describe, expect, it } from 'vitest';
import { windowsDmPortStates, windowsEdlDriverState } from '../../src-main/platform/windows/edl-driver.js';
import {
  parsePnputilDevices,
  parsePowerShellPnpJson,
  type PnpDevice,
} from '../../src-main/platform/windows/pnp-devices.js';
import {
  EDL_ID,
  PNPUTIL_NO_DRIVER,
  PNPUTIL_QDLOADER_NO_COM,
  PNPUTIL_ZADIG_LIBUSBK,
  PS7_NO_DRIVER_NAMED,
  PS_EC25_RUNNING_DM_MISSING,
  PS_EC25_RUNNING_OK,
  PS_NO_DRIVER,
  PS_QDLOADER,
  PS_WINUSB,
} from './samples.js';

const ps = (text: string): { devices: PnpDevice[] } => ({ devices: parsePowerShellPnpJson(text) });
const pnputil = (text: string): { devices: PnpDevice[] } => ({ devices: parsePnputilDevices(text) });

describe('windowsEdlDriverState: the three cases for 05c6:9008', () => {
  it('WinUSB bound: use libusb', () => {
    expect(windowsEdlDriverState(ps(PS_WINUSB))).toEqual({ kind: 'libusb', driver: 'WinUSB', instanceId: EDL_ID });
  });

  it('a libusbK binding made by Zadig also goes through libusb', () => {
    expect(windowsEdlDriverState(pnputil(PNPUTIL_ZADIG_LIBUSBK))).toMatchObject({ kind: 'libusb', driver: 'libusbK' });
  });

  it('QDLoader serial driver: use the COM port, named when Windows names it', () => {
    expect(windowsEdlDriverState(ps(PS_QDLOADER))).toEqual({
      kind: 'serial',
      comPort: 'COM7',
      instanceId: EDL_ID,
      name: 'Qualcomm HS-USB QDLoader 9008 (COM7)',
    });
    const fromPnputil = windowsEdlDriverState(pnputil(PNPUTIL_QDLOADER_NO_COM));
    expect(fromPnputil).toMatchObject({ kind: 'serial', instanceId: EDL_ID });
    expect(fromPnputil).not.toHaveProperty('comPort');
  });

  it('no driver: from PowerShell 5.1, PowerShell 7 and pnputil alike', () => {
    for (const probe of [ps(PS_NO_DRIVER), ps(PS7_NO_DRIVER_NAMED), pnputil(PNPUTIL_NO_DRIVER)]) {
      expect(windowsEdlDriverState(probe)).toEqual({ kind: 'no-driver', instanceId: EDL_ID, name: 'QUSB__BULK' });
    }
  });

  it('no modem in EDL: absent (a running module is not mistaken for one)', () => {
    expect(windowsEdlDriverState({ devices: [] })).toEqual({ kind: 'absent' });
    expect(windowsEdlDriverState(ps(PS_EC25_RUNNING_OK))).toEqual({ kind: 'absent' });
    expect(
      windowsEdlDriverState({ devices: [{ instanceId: 'USB\\VID_05C6&PID_900E\\5&1&0&3', className: 'Ports' }] }),
    ).toEqual({ kind: 'absent' });
  });

  it('a driver with a Device Manager problem, and a foreign driver, are told apart', () => {
    expect(
      windowsEdlDriverState({
        devices: [{ instanceId: EDL_ID, className: 'Ports', service: 'qcusbser', problemCode: 10 }],
      }),
    ).toEqual({ kind: 'driver-problem', instanceId: EDL_ID, problemCode: 10, service: 'qcusbser' });
    expect(windowsEdlDriverState({ devices: [{ instanceId: EDL_ID, className: 'Modem', service: 'usbser' }] })).toEqual(
      { kind: 'other-driver', instanceId: EDL_ID, className: 'Modem', service: 'usbser' },
    );
  });

  it('with two modems in EDL, the usable one wins', () => {
    const other = 'USB\\VID_05C6&PID_9008\\5&2C8F1E3A&0&4';
    const probe = {
      devices: [{ instanceId: other, name: 'QUSB__BULK', problemCode: 28 }, ...parsePowerShellPnpJson(PS_QDLOADER)],
    };
    expect(windowsEdlDriverState(probe)).toMatchObject({ kind: 'serial', comPort: 'COM7' });
  });
});

describe("windowsDmPortStates: the running module's DM interface (MI_00)", () => {
  it('reports a missing DM driver for an EC25 whose other ports have theirs', () => {
    const states = windowsDmPortStates(ps(PS_EC25_RUNNING_DM_MISSING));
    expect(states).toHaveLength(1);
    expect(states[0]).toMatchObject({ module: expect.stringContaining('EC25'), state: { kind: 'no-driver' } });
  });

  it("reports the DM COM port when Quectel's driver has it", () => {
    expect(windowsDmPortStates(ps(PS_EC25_RUNNING_OK))[0]!.state).toMatchObject({ kind: 'serial', comPort: 'COM10' });
  });
});
