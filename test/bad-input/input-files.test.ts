// Every kind of file the tool opens, given something that is not a regular file or is far too
// big: /dev/zero (endless), a FIFO (blocks forever on open or read), a link to /dev/zero, and an
// oversize (sparse) file. Each is refused fast, with a sentence naming the path and what it is,
// and without reading it (the process's memory does not grow). A long read honours its signal.

import { execFileSync } from 'node:child_process';
import {
  closeSync,
  constants,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RescueError } from '../../shared/errors.js';
import { loadQcnFile } from '../../src-main/flows/restore.js';
import { ResumeJournal } from '../../src-main/flows/resume-journal.js';
import { MAX_IMAGE_BYTES, openImageSource } from '../../src-main/package/image-source.js';
import { md5File, verifyMd5Txt } from '../../src-main/package/md5.js';
import { MAX_PROGRAMMER_BYTES, readProgrammer } from '../../src-main/package/programmer.js';
import { MAX_PACKAGE_XML_BYTES, readPackageXml } from '../../src-main/package/xml-file.js';
import { openCheckedZip } from '../../src-main/package/zip.js';
import { MAX_CFB_BYTES } from '../../src-main/qcn/cfb.js';
import { writeQcn } from '../../src-main/qcn/layout.js';
import { INPUT_CHUNK_BYTES, openInputFile, readInputFile } from '../../src-main/util/input-file.js';
import { rejection } from '../helpers/rejection.js';

const posix = process.platform !== 'win32';
const dir = mkdtempSync(path.join(tmpdir(), 'mr-input-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fifos: string[] = [];
afterEach(() => {
  // Should a refusal ever regress into a blocked open, release it (a writer that opens and closes).
  for (const f of fifos.splice(0)) {
    try {
      closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // nobody was waiting: the open never blocked
    }
  }
});

let n = 0;
function fifo(name: string): string {
  const f = path.join(dir, `${n++}-${name}`);
  execFileSync('mkfifo', [f]);
  fifos.push(f);
  return f;
}
function linkToDevZero(name: string): string {
  const f = path.join(dir, `${n++}-${name}`);
  symlinkSync('/dev/zero', f);
  return f;
}
/** A sparse file of `size` bytes: no disk used, nothing to read but zeros. */
function sparse(name: string, size: number): string {
  const f = path.join(dir, `${n++}-${name}`);
  writeFileSync(f, '');
  truncateSync(f, size);
  return f;
}

/** Run `work`; it must be refused within `ms` with `code` and a message matching `message`, the heap not grown by more than 64 MiB. */
async function refusedFast(
  work: () => Promise<unknown>,
  code: string,
  message: RegExp,
  ms = 3000,
): Promise<RescueError> {
  const heap = process.memoryUsage().rss;
  const t0 = performance.now();
  const e = await rejection(work());
  const took = performance.now() - t0;
  expect(e.code, e.message).toBe(code);
  expect(e.message).toMatch(message);
  expect(took).toBeLessThan(ms);
  expect(process.memoryUsage().rss - heap).toBeLessThan(64 * 1024 * 1024);
  return e;
}

const DEVICE = /\/dev\/zero.* is a character device, not a regular file/;
const FIFO = /is a pipe \(FIFO\), not a regular file/;

describe.runIf(posix)('QCN and XQCN backups (qcn dump, restore)', () => {
  it('/dev/zero, a link to it, and a FIFO are refused as NOT_A_FILE without reading', async () => {
    await refusedFast(() => loadQcnFile('/dev/zero'), 'NOT_A_FILE', DEVICE);
    await refusedFast(() => loadQcnFile(linkToDevZero('zero.qcn')), 'NOT_A_FILE', /is a character device/);
    const e = await refusedFast(() => loadQcnFile(fifo('backup.qcn')), 'NOT_A_FILE', FIFO);
    expect(e.nextStep).toMatch(/Name the file itself/);
  });

  it('a QCN of 64 MiB + 1 is refused before it is read; an XQCN above 3 x 64 MiB too', async () => {
    await refusedFast(
      () => loadQcnFile(sparse('big.qcn', MAX_CFB_BYTES + 1)),
      'QCN_CORRUPT',
      new RegExp(`${MAX_CFB_BYTES + 1} bytes, more than the ${MAX_CFB_BYTES} bytes a QCN backup may have`),
      1000,
    );
    await refusedFast(
      () => loadQcnFile(sparse('big.xqcn', 3 * MAX_CFB_BYTES + 1)),
      'QCN_CORRUPT',
      /more than the \d+ bytes a QCN or XQCN backup may have/,
      1000,
    );
  });

  it('a QCN of 40,000 tiny files is read in linear time (the event loop, and so Ctrl-C, is never held for long)', async () => {
    const f = path.join(dir, 'many.qcn');
    const nvItemFiles = Array.from({ length: 40_000 }, (_, i) => ({
      path: `/nv/item_files/rfnv/${String(i).padStart(8, '0')}`,
      data: new Uint8Array([i & 0xff]),
    }));
    writeFileSync(
      f,
      writeQcn({
        model: 24655,
        nvItems: [],
        efsBackup: [],
        provisioning: [],
        nvItemFiles,
        property: { esn: 1, model: 24655, nvMajor: 1, nvMinor: 0, swVersion: 'EC25EFAR06A11M4G', tool: 'test' },
        featureMask: new Uint8Array(16),
      }),
    );
    const t0 = performance.now();
    const q = await loadQcnFile(f);
    // Quadratic matching of EFS_Dir to EFS_Data took about 20 s here; linear takes well under 1 s.
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(q.nvItemFiles).toHaveLength(40_000);
  });

  it('a missing file says there is no such file', async () => {
    await refusedFast(
      () => loadQcnFile(path.join(dir, 'nothing.qcn')),
      'HOST_IO',
      /cannot be opened: there is no such file/,
    );
  });
});

describe.runIf(posix)('package files read one by one', () => {
  it('the rawprogram/patch XML: /dev/zero, a FIFO, an oversize file', async () => {
    await refusedFast(() => readPackageXml('/dev/zero'), 'PACKAGE_BAD_XML', DEVICE);
    await refusedFast(() => readPackageXml(fifo('rawprogram.xml')), 'PACKAGE_BAD_XML', FIFO);
    await refusedFast(
      () => readPackageXml(sparse('rawprogram.xml', MAX_PACKAGE_XML_BYTES + 1)),
      'PACKAGE_BAD_XML',
      /an XML file of a package may have/,
    );
  });

  it('md5.txt: each becomes a problem naming md5.txt, not a hang', async () => {
    for (const f of ['/dev/zero', fifo('md5.txt'), sparse('md5.txt', 1024 * 1024 + 1)]) {
      const t0 = performance.now();
      const r = await verifyMd5Txt(dir, f);
      expect(performance.now() - t0).toBeLessThan(3000);
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]!.message).toMatch(/not a regular file|a checksum list \(md5\.txt\) may have/);
    }
  });

  it('a file md5.txt lists that is larger than any image is reported with its size, not hashed', async () => {
    const root = path.join(dir, 'md5-root');
    mkdirSync(path.join(root, 'update'), { recursive: true });
    const big = path.join(root, 'update', 'big.bin');
    writeFileSync(big, '');
    truncateSync(big, MAX_IMAGE_BYTES + 1);
    writeFileSync(path.join(root, 'md5.txt'), `FILE:\\update\\big.bin:${'0'.repeat(32)}\r\n`);
    const t0 = performance.now();
    const r = await verifyMd5Txt(root, path.join(root, 'md5.txt'));
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(r.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(
        /big\.bin \(listed in md5\.txt\) cannot be read: .*big\.bin is 8589934593 bytes, more than the 8589934592 bytes an image may have/,
      ),
    ]);
  });

  it('an image hashed for md5.txt or opened for the flash', async () => {
    await refusedFast(() => md5File('/dev/zero'), 'HOST_IO', DEVICE);
    await refusedFast(() => md5File(fifo('image.bin')), 'HOST_IO', FIFO);
    await refusedFast(
      () => md5File(sparse('huge.bin', 4096), undefined, 4095),
      'HOST_IO',
      /4096 bytes, more than the 4095 bytes an image may have/,
    );
    await refusedFast(() => openImageSource('/dev/zero', []), 'PACKAGE_MISSING_FILE', DEVICE);
    await refusedFast(() => openImageSource(fifo('system.ubi'), []), 'PACKAGE_MISSING_FILE', FIFO);
    await refusedFast(
      () => openImageSource(sparse('system.ubi', MAX_IMAGE_BYTES + 1), []),
      'PACKAGE_FILE_TOO_LARGE',
      /an image may have/,
    );
  });

  it('the programmer', async () => {
    await refusedFast(() => readProgrammer('/dev/zero'), 'PACKAGE_NO_PROGRAMMER', DEVICE);
    await refusedFast(() => readProgrammer(fifo('prog_firehose.mbn')), 'PACKAGE_NO_PROGRAMMER', FIFO);
    await refusedFast(
      () => readProgrammer(sparse('prog_firehose.mbn', MAX_PROGRAMMER_BYTES + 1)),
      'PACKAGE_NO_PROGRAMMER',
      /a Firehose programmer may have/,
    );
  });

  it('the package zip', async () => {
    await refusedFast(() => openCheckedZip('/dev/zero', dir), 'PACKAGE_NOT_FOUND', DEVICE);
    await refusedFast(() => openCheckedZip(fifo('package.zip'), dir), 'PACKAGE_NOT_FOUND', FIFO);
    await refusedFast(
      () => openCheckedZip(sparse('package.zip', 64 * 1024 * 1024 + 2), dir, { limits: { maxTotalBytes: 1 } }),
      'PACKAGE_BAD_ZIP',
      /a package archive may have/,
    );
  });
});

describe.runIf(posix)('the resume journal', () => {
  it('a FIFO, a link to /dev/zero or an oversize journal is set aside at once, never read', async () => {
    const cases: [string, (f: string) => void, RegExp][] = [
      ['fifo', (f) => execFileSync('mkfifo', [f]), /pipe \(FIFO\), not a regular file/],
      ['zero', (f) => symlinkSync('/dev/zero', f), /character device, not a regular file/],
      [
        'big',
        (f) => {
          writeFileSync(f, '');
          truncateSync(f, 2 * 1024 * 1024);
        },
        /2097152 bytes, too large/,
      ],
    ];
    for (const [id, make, why] of cases) {
      const folder = path.join(dir, `journal-${id}`);
      mkdirSync(folder);
      const file = path.join(folder, `${id}.json`);
      make(file);
      if (id === 'fifo') fifos.push(file);
      const t0 = performance.now();
      const j = await ResumeJournal.open(folder, id);
      expect(performance.now() - t0).toBeLessThan(3000);
      expect(j.setAside).toMatch(why);
      expect(j.verified).toEqual([]);
    }
  });
});

describe.runIf(posix)('the input file itself', () => {
  it('reads a regular file whole, and refuses one that grows past its bound while read', async () => {
    const f = path.join(dir, 'small.bin');
    writeFileSync(f, Buffer.alloc(3 * INPUT_CHUNK_BYTES + 5, 7));
    expect((await readInputFile(f, { maxBytes: 4 * INPUT_CHUNK_BYTES, code: 'HOST_IO' })).length).toBe(
      3 * INPUT_CHUNK_BYTES + 5,
    );
    const input = await openInputFile(f, { maxBytes: 3 * INPUT_CHUNK_BYTES + 5, code: 'HOST_IO' });
    try {
      writeFileSync(f, Buffer.alloc(4 * INPUT_CHUNK_BYTES, 1));
      const e = await rejection(input.readAll());
      expect(e.message).toMatch(/more than the \d+ bytes this file may have|grew while it was being read/);
    } finally {
      await input.close();
    }
  });

  it('a long read stops on its signal between pieces', async () => {
    const f = sparse('long.bin', 512 * 1024 * 1024);
    const ctl = new AbortController();
    const input = await openInputFile(f, { maxBytes: 1024 ** 3, code: 'HOST_IO', signal: ctl.signal });
    let pieces = 0;
    const e = await rejection(
      (async () => {
        for await (const _piece of input.chunks())
          if (++pieces === 3) ctl.abort(new RescueError('CANCELLED', 'Stopped by the test.'));
      })(),
    ).finally(() => input.close());
    expect(e.code).toBe('CANCELLED');
    expect(pieces).toBe(3);
  });
});
