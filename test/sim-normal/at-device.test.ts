import { afterEach, describe, expect, it } from 'vitest';
import { AtInterpreter } from '../../src-main/sim/at-device.js';
import { MODELS } from '../../src-main/sim/models.js';
import { NormalState, modelImeis } from '../../src-main/sim/normal-state.js';
import { atExchange, cleanup, startNormal } from './harness.js';

afterEach(cleanup);

describe('virtual modem in normal mode: the AT port', () => {
  it('echoes until ATE0, then answers ATI, AT+QGMR, AT+CGMR, AT+CGSN, AT+CFUN?, AT+QCFG="usbnet" from the module state', async () => {
    const h = await startNormal({ normal: { atUrcEvery: 0 } });
    const at = await h.openAt();
    expect(await atExchange(at, 'AT\r')).toBe('AT\r\r\nOK\r\n');
    expect(await atExchange(at, 'ATE0\r')).toBe('ATE0\r\r\nOK\r\n');
    expect(await atExchange(at, 'ATI\r')).toBe(
      '\r\nQuectel\r\n\r\nEC25\r\n\r\nRevision: EC25EFAR06A11M4G\r\n\r\nOK\r\n',
    );
    expect(await atExchange(at, 'AT+QGMR\r')).toBe(`\r\n${MODELS.ec25.firmware}\r\n\r\nOK\r\n`);
    expect(await atExchange(at, 'AT+CGMR\r')).toBe('\r\nEC25EFAR06A11M4G\r\n\r\nOK\r\n');
    expect(await atExchange(at, 'AT+CGSN\r')).toBe(`\r\n${modelImeis(MODELS.ec25)[0]}\r\n\r\nOK\r\n`);
    expect(await atExchange(at, 'AT+CFUN?\r')).toBe('\r\n+CFUN: 1\r\n\r\nOK\r\n');
    expect(await atExchange(at, 'at+qcfg="usbnet"\r')).toBe('\r\n+QCFG: "usbnet",0\r\n\r\nOK\r\n');
    expect(await atExchange(at, 'AT+NOSUCH\r')).toBe('\r\nERROR\r\n');
    await at.close();
  });

  it('reports the IMEI written over DIAG: both ports serve one state', async () => {
    const h = await startNormal({ normal: { atUrcEvery: 0 } });
    const d = await h.diag();
    expect(await d.spc()).toBe(true);
    const { imeiToNv } = await import('../../src-main/protocol/imei.js');
    await d.nvWrite(550, imeiToNv('490154203237518'));
    const at = await h.openAt();
    expect(await atExchange(at, 'ATE0;+CGSN\r')).toMatch(/ERROR/); // chained commands are not supported: a plain ERROR
    await atExchange(at, 'ATE0\r');
    expect(await atExchange(at, 'AT+CGSN\r')).toContain('490154203237518');
    await at.close();
  });

  it('+CME ERROR as numbers or text after AT+CMEE=1/2', async () => {
    const h = await startNormal({ normal: { atUrcEvery: 0 } });
    const at = await h.openAt();
    await atExchange(at, 'ATE0\r');
    expect(await atExchange(at, 'AT+CPIN?\r')).toBe('\r\nERROR\r\n');
    await atExchange(at, 'AT+CMEE=1\r');
    expect(await atExchange(at, 'AT+CPIN?\r')).toBe('\r\n+CME ERROR: 10\r\n');
    await atExchange(at, 'AT+CMEE=2\r');
    expect(await atExchange(at, 'AT+CPIN?\r')).toBe('\r\n+CME ERROR: SIM not inserted\r\n');
    expect(await atExchange(at, 'AT+CFUN=7\r')).toBe('\r\n+CME ERROR: invalid parameters\r\n');
    await at.close();
  });

  it('sits in +CFUN: 5 without RF calibration', () => {
    const s = NormalState.open({ model: MODELS.ec25 });
    const at = new AtInterpreter(MODELS.ec25, s);
    expect(at.handle('AT+CFUN?')).toEqual(['+CFUN: 1', 'OK']);
    for (const p of s.allFiles().filter((f) => f.startsWith('/nv/item_files/rfnv/'))) s.removeFile(p);
    expect(at.handle('AT+CFUN?')).toEqual(['+CFUN: 5', 'OK']);
    expect(at.handle('AT+CFUN=1')).toEqual(['ERROR']);
  });

  it('slips unsolicited result codes between answers and sends boot URCs at enumeration', async () => {
    const h = await startNormal({ normal: { atUrcEvery: 2, atBootUrcs: true } });
    const at = await h.openAt();
    const boot = await atExchange(at, 'ATE0\r');
    expect(boot).toMatch(/^\r\nRDY\r\n\r\n\+CFUN: 1\r\n.*\+QIND: SMS DONE\r\n/s);
    const second = await atExchange(at, 'AT+QGMR\r');
    expect(second).toBe(`\r\n+QIND: SMS DONE\r\n\r\n${MODELS.ec25.firmware}\r\n\r\nOK\r\n`);
    await at.close();
  });

  it('answers a line that is too long with ERROR and keeps serving', async () => {
    const h = await startNormal({ normal: { atUrcEvery: 0 } });
    const at = await h.openAt();
    await atExchange(at, 'ATE0\r');
    expect(await atExchange(at, `AT${'X'.repeat(5000)}\r`)).toBe('\r\nERROR\r\n');
    expect(await atExchange(at, 'AT\r')).toBe('\r\nOK\r\n');
    await at.close();
  });
});
