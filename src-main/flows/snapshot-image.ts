// One range of the NAND into one image file of a firmware snapshot: read with Firehose <read>
// (the programmer addresses logical pages, skipping bad blocks, so the range comes back as a flash
// of it would write it), streamed to a temporary file while hashing, checked against the
// programmer's digest of the same range (or a second read when it has none), cut after the last
// page that is not erased (0xFF: an erase leaves the rest as it was), made durable, renamed into
// place, and read back from disk once more. Never more than one page is held in memory.

import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { RescueError } from '../../shared/errors.js';
import type { FirehoseAddress, FirehoseSession } from '../host/firehose-host.js';
import { AtomicFileWriter } from '../util/atomic-file.js';
import { throwIfAborted } from '../util/deadline.js';
import type { SnapshotRange } from './snapshot-manifest.js';

export interface ImageRead {
  /** Bytes kept in the image (0: the range read all erased, and no file is written). */
  imageBytes: number;
  sha256: string;
  md5: string;
  rangeSha256: string;
  verifiedBy: 'digest' | 'second read';
}

export function rangeAddress(r: SnapshotRange): FirehoseAddress {
  return {
    sectorSize: r.sectorSize,
    pagesPerBlock: r.pagesPerBlock,
    physicalPartition: r.physicalPartition,
    startSector: r.startSector,
    numSectors: r.numSectors,
    label: r.label,
  };
}

/** Splits the read stream into pages; hashes the whole range, and the image up to its last non-erased page. */
class PageSplitter {
  readonly range: Hash = createHash('sha256');
  readonly image: Hash = createHash('sha256');
  readonly md5: Hash = createHash('md5');
  private readonly page: Buffer;
  private readonly erased: Buffer;
  private fill = 0;
  private offset = 0;
  /** Erased pages seen since the last page with data: hashed only if data follows. */
  private erasedRun = 0;
  /** End of the last page holding data. */
  dataEnd = 0;

  constructor(private readonly pageSize: number) {
    this.page = Buffer.alloc(pageSize);
    this.erased = Buffer.alloc(pageSize, 0xff);
  }

  push(chunk: Uint8Array): void {
    this.range.update(chunk);
    let at = 0;
    const ps = this.pageSize;
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (at < chunk.length) {
      if (this.fill === 0 && chunk.length - at >= ps) {
        // Whole pages straight from the chunk, without copying them.
        this.endPage(bytes.subarray(at, at + ps));
        at += ps;
        continue;
      }
      const n = Math.min(ps - this.fill, chunk.length - at);
      this.page.set(chunk.subarray(at, at + n), this.fill);
      this.fill += n;
      at += n;
      if (this.fill === ps) {
        this.fill = 0;
        this.endPage(this.page);
      }
    }
  }

  private endPage(page: Buffer): void {
    this.offset += this.pageSize;
    if (page.equals(this.erased)) {
      this.erasedRun++;
      return;
    }
    for (; this.erasedRun > 0; this.erasedRun--) this.hashImage(this.erased);
    this.hashImage(page);
    this.dataEnd = this.offset;
  }

  private hashImage(b: Buffer): void {
    this.image.update(b);
    this.md5.update(b);
  }
}

/** Read `r` into `file` (written atomically, checked), or into nothing when it reads all erased. */
export async function readImage(
  s: FirehoseSession,
  r: SnapshotRange,
  file: string,
  signal: AbortSignal | undefined,
): Promise<ImageRead> {
  const addr = rangeAddress(r);
  const out = await AtomicFileWriter.open(file);
  try {
    const pages = new PageSplitter(r.sectorSize);
    await s.read(addr, async (chunk) => {
      pages.push(chunk);
      await out.write(chunk);
    });
    const rangeSha256 = pages.range.digest('hex');
    const verifiedBy = await checkRange(s, addr, rangeSha256, signal);
    const result: ImageRead = {
      imageBytes: pages.dataEnd,
      sha256: pages.image.digest('hex'),
      md5: pages.md5.digest('hex'),
      rangeSha256,
      verifiedBy,
    };
    if (result.imageBytes === 0) {
      await out.abort();
      return result;
    }
    await out.commit(result.imageBytes);
    await checkOnDisk(file, result.imageBytes, result.sha256, signal);
    return result;
  } catch (e) {
    await out.abort();
    throw e;
  }
}

/** The programmer's digest of the same range, else a second read; VERIFY_MISMATCH when they differ. */
async function checkRange(
  s: FirehoseSession,
  addr: FirehoseAddress,
  firstRead: string,
  signal: AbortSignal | undefined,
): Promise<'digest' | 'second read'> {
  throwIfAborted(signal);
  let method: 'digest' | 'second read' = 'digest';
  let again = (await s.sha256Digest(addr))?.toLowerCase();
  if (again === undefined) {
    method = 'second read';
    const h = createHash('sha256');
    await s.read(addr, (chunk) => {
      h.update(chunk);
    });
    again = h.digest('hex');
  }
  if (again !== firstRead)
    throw new RescueError(
      'VERIFY_MISMATCH',
      `Saving ${addr.label ?? `sectors from ${addr.startSector}`}: the first read gave SHA-256 ${firstRead.slice(0, 16)}..., the ${method === 'digest' ? "programmer's digest" : 'second read'} ${again.slice(0, 16)}... The snapshot is read again.`,
    );
  return method;
}

/** Re-read the image from disk: its size and SHA-256 must be what was read from the modem. */
async function checkOnDisk(
  file: string,
  bytes: number,
  sha256: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const h = createHash('sha256');
  const fh = await open(file, 'r').catch((e: unknown) => {
    throw new RescueError('HOST_IO', `Could not read back ${file}: ${e instanceof Error ? e.message : String(e)}`);
  });
  let size = 0;
  try {
    const buf = Buffer.alloc(1024 * 1024);
    for (;;) {
      throwIfAborted(signal);
      const { bytesRead } = await fh.read(buf, 0, buf.length, size);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      size += bytesRead;
    }
  } finally {
    await fh.close();
  }
  const got = h.digest('hex');
  if (size !== bytes || got !== sha256)
    throw new RescueError(
      'HOST_IO',
      `${file} reads back as ${size} bytes with SHA-256 ${got.slice(0, 16)}..., but ${bytes} bytes with ${sha256.slice(0, 16)}... were written: the disk does not keep what is written to it.`,
    );
}
