import { describe, expect, it } from 'vitest';
import { ApiCallError, toReport } from '../../src-renderer/api/call-error.js';
import { electronApi } from '../../src-renderer/api/electron.js';

describe('errors as the wizard shows them', () => {
  it('an Electron IPC rejection shows the engine message without the IPC prefix or a stack', () => {
    const e = new Error("Error invoking remote method 'modem-rescue:call': Error: boom\n    at foo (main.js:1:2)");
    const r = toReport(e);
    expect(r.code).toBe('INTERNAL');
    expect(r.message).toContain('(boom)');
    expect(r.message).not.toMatch(/invoking remote method|main\.js/);
  });

  it('a report serialised into the message is taken back out', () => {
    const report = {
      code: 'DEVICE_TIMEOUT',
      category: 'device',
      message: 'The modem stopped answering.',
      nextStep: 'Replug it.',
    };
    expect(toReport(new Error(`Error invoking remote method 'x': Error: ${JSON.stringify(report)}`))).toEqual(report);
    expect(toReport(report)).toEqual(report);
    // What the preload throws: an Error whose message is the report as JSON.
    expect(toReport(new Error(JSON.stringify(report)))).toEqual(report);
  });

  it('the Electron bridge turns a rejected call into an ApiCallError with the report', async () => {
    const report = {
      code: 'CANCELLED',
      category: 'cancelled',
      message: 'The run was cancelled.',
      nextStep: 'Run again.',
    };
    const api = electronApi({ modemRescue: { call: () => Promise.reject(report), onEvent: () => () => undefined } });
    const err = await api!.call('cancel', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiCallError);
    expect((err as ApiCallError).report).toEqual(report);
  });

  it('no bridge on the page: not Electron', () => {
    expect(electronApi({})).toBeUndefined();
    expect(electronApi({ modemRescue: { call: 1 } })).toBeUndefined();
  });
});
