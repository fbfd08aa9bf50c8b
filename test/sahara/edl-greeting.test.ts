// Download mode is green only when the module answers: what its first bytes say, and that the
// bytes heard are handed to the flash (withPending) rather than lost.

import { describe, expect, it } from 'vitest';
import { classifyGreeting, listenOnPipe } from '../../src-main/flows/edl-greeting.js';
import { encodePacket } from '../../src-main/protocol/sahara.js';
import { withPending } from '../../src-main/transport/held-opener.js';
import { createMemoryPipePair } from '../../src-main/transport/memory.js';

const HELLO = encodePacket({ type: 'hello', version: 2, versionCompatible: 1, maxCommandPacketLength: 0x400, mode: 0 });

describe('the greeting of a module in EDL', () => {
  it('a Sahara HELLO is the boot ROM answering; XML is a running programmer; too few bytes: not yet', () => {
    expect(classifyGreeting(HELLO)).toEqual({ answered: true, by: 'boot ROM', saharaVersion: 2 });
    expect(classifyGreeting(new TextEncoder().encode('<?xml version="1.0"?><data><log value="x"/></data>'))).toEqual({
      answered: true,
      by: 'programmer',
    });
    expect(classifyGreeting(HELLO.subarray(0, 12))).toBeUndefined();
    expect(classifyGreeting(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5]))).toMatchObject({
      answered: false,
    });
  });

  it('listens without writing, says silent after the time, and the HELLO it read reaches the next reader', async () => {
    const mute = createMemoryPipePair();
    const quiet = await listenOnPipe(mute.host, { listenMs: 50 });
    expect(quiet.greeting).toMatchObject({ answered: false, why: expect.stringMatching(/sent nothing/) as unknown });
    expect(mute.device.unreadBytes).toBe(0); // nothing was sent to the module

    const talking = createMemoryPipePair();
    await talking.device.write(HELLO, { timeoutMs: 100 });
    const heard = await listenOnPipe(talking.host, { listenMs: 1000 });
    expect(heard.greeting).toMatchObject({ answered: true, by: 'boot ROM' });
    const next = withPending(talking.host, heard.bytes);
    const first = await next.read(4096, { timeoutMs: 100 });
    expect(Buffer.from(first).equals(Buffer.from(HELLO))).toBe(true);
    await expect(next.read(4096, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
  });
});
