// Realistic outputs of Windows' tools, built from their documented formats: PowerShell
// Get-PnpDevice piped to ConvertTo-Json (GET_PNP_DEVICE_SCRIPT), `pnputil /enum-devices
// /connected` (Windows 10 2004+ / 11), and `reg query ... /v PortName`.

export const EDL_ID = 'USB\\VID_05C6&PID_9008\\5&2C8F1E3A&0&3';

export const PS_WINUSB = JSON.stringify([
  {
    InstanceId: EDL_ID,
    FriendlyName: 'Qualcomm EDL 9008 (WinUSB, Modem Rescue)',
    Class: 'USBDevice',
    Service: 'WINUSB',
    Status: 'OK',
    ConfigManagerErrorCode: 0,
  },
]);

/** One device: ConvertTo-Json prints an object, not an array, in older PowerShell. */
export const PS_QDLOADER = JSON.stringify({
  InstanceId: EDL_ID,
  FriendlyName: 'Qualcomm HS-USB QDLoader 9008 (COM7)',
  Class: 'Ports',
  Service: 'qcusbser',
  Status: 'OK',
  ConfigManagerErrorCode: 0,
});

export const PS_NO_DRIVER =
  '\uFEFF' +
  JSON.stringify([
    {
      InstanceId: EDL_ID,
      FriendlyName: 'QUSB__BULK',
      Class: null,
      Service: null,
      Status: 'Error',
      ConfigManagerErrorCode: 28,
    },
  ]) +
  '\r\n';

/** PowerShell 7 with enums as names. */
export const PS7_NO_DRIVER_NAMED = JSON.stringify([
  {
    InstanceId: EDL_ID,
    FriendlyName: 'QUSB__BULK',
    Class: null,
    Service: null,
    Status: 'Error',
    ConfigManagerErrorCode: 'CM_PROB_FAILED_INSTALL',
  },
]);

/** A running EC25 with Quectel's driver on every port but the DM port (MI_00 has none). */
export const PS_EC25_RUNNING_DM_MISSING = JSON.stringify([
  {
    InstanceId: 'USB\\VID_2C7C&PID_0125\\7&1F0B6C2&0&4',
    FriendlyName: 'USB Composite Device',
    Class: 'USB',
    Service: 'usbccgp',
    Status: 'OK',
    ConfigManagerErrorCode: 0,
  },
  {
    InstanceId: 'USB\\VID_2C7C&PID_0125&MI_00\\8&3A9C51D&0&0000',
    FriendlyName: 'Android',
    Class: null,
    Service: null,
    Status: 'Error',
    ConfigManagerErrorCode: 28,
  },
  {
    InstanceId: 'USB\\VID_2C7C&PID_0125&MI_01\\8&3A9C51D&0&0001',
    FriendlyName: 'Quectel USB NMEA Port (COM11)',
    Class: 'Ports',
    Service: 'qcusbser',
    Status: 'OK',
    ConfigManagerErrorCode: 0,
  },
  {
    InstanceId: 'USB\\VID_2C7C&PID_0125&MI_02\\8&3A9C51D&0&0002',
    FriendlyName: 'Quectel USB AT Port (COM12)',
    Class: 'Ports',
    Service: 'qcusbser',
    Status: 'OK',
    ConfigManagerErrorCode: 0,
  },
]);

export const PS_EC25_RUNNING_OK = JSON.stringify([
  {
    InstanceId: 'USB\\VID_2C7C&PID_0125&MI_00\\8&3A9C51D&0&0000',
    FriendlyName: 'Quectel USB DM Port (COM10)',
    Class: 'Ports',
    Service: 'qcusbser',
    Status: 'OK',
    ConfigManagerErrorCode: 0,
  },
]);

const PNPUTIL_BANNER = 'Microsoft PnP Utility\r\n\r\n';

export const PNPUTIL_QDLOADER_NO_COM =
  PNPUTIL_BANNER +
  [
    'Instance ID:                USB\\ROOT_HUB30\\4&1B2C3D4E&0&0',
    'Device Description:         USB Root Hub (USB 3.0)',
    'Class Name:                 USB',
    'Class GUID:                 {36fc9e60-c465-11cf-8056-444553540000}',
    'Manufacturer Name:          (Standard USB HUBs)',
    'Status:                     Started',
    'Driver Name:                usbhub3.inf',
    '',
    `Instance ID:                ${EDL_ID}`,
    'Device Description:         Qualcomm HS-USB QDLoader 9008',
    'Class Name:                 Ports',
    'Class GUID:                 {4d36e978-e325-11ce-bfc1-08002be10318}',
    'Manufacturer Name:          Qualcomm Incorporated',
    'Status:                     Started',
    'Driver Name:                oem23.inf',
    '',
  ].join('\r\n');

export const PNPUTIL_NO_DRIVER =
  PNPUTIL_BANNER +
  [
    `Instance ID:                ${EDL_ID}`,
    'Device Description:         QUSB__BULK',
    'Class Name:                 ',
    'Class GUID:                 {00000000-0000-0000-0000-000000000000}',
    'Manufacturer Name:          ',
    'Status:                     Problem',
    'Problem Code:               28 (0x1C) [CM_PROB_FAILED_INSTALL]',
    'Problem Status:             0xC0000490 [STATUS_PNP_DRIVER_CONFIGURATION_NOT_FOUND]',
    '',
  ].join('\r\n');

export const PNPUTIL_ZADIG_LIBUSBK =
  PNPUTIL_BANNER +
  [
    `Instance ID:                ${EDL_ID}`,
    'Device Description:         QUSB__BULK',
    'Class Name:                 libusbK USB Devices',
    'Class GUID:                 {ecfb0cfd-74c4-4f52-bbf7-343461cd72ac}',
    'Manufacturer Name:          libusbK',
    'Status:                     Started',
    'Driver Name:                oem57.inf',
    '',
  ].join('\r\n');

export const REG_PORTNAME = [
  '',
  `HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Enum\\${EDL_ID}\\Device Parameters`,
  '    PortName    REG_SZ    COM9',
  '',
].join('\r\n');
