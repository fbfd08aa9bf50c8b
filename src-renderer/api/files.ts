// Files as the page gets them (a file input, a folder input, a drop) turned into UploadFiles with
// their path inside what was chosen. A dropped folder is walked through the entries API.

import type { UploadFile } from '../../shared/api.js';

/** From an <input type="file"> (a folder input gives each file's webkitRelativePath). */
export function filesFromInput(list: FileList | null): UploadFile[] {
  if (!list) return [];
  return Array.from(list, (f) => ({ relativePath: f.webkitRelativePath || f.name, size: f.size, body: f }));
}

/** Most files a dropped folder may hold before the walk stops (a package has far fewer). */
const MAX_DROPPED_FILES = 10_000;

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  // readEntries hands out entries in pieces until it returns none.
  return new Promise((resolve, reject) => {
    const all: FileSystemEntry[] = [];
    const next = (): void =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(all);
        else {
          all.push(...batch);
          if (all.length > MAX_DROPPED_FILES) resolve(all);
          else next();
        }
      }, reject);
    next();
  });
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, prefix: string, out: UploadFile[]): Promise<void> {
  if (out.length > MAX_DROPPED_FILES) return;
  const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    const f = await fileOf(entry as FileSystemFileEntry);
    out.push({ relativePath: rel, size: f.size, body: f });
  } else if (entry.isDirectory) {
    for (const child of await readAll((entry as FileSystemDirectoryEntry).createReader())) await walk(child, rel, out);
  }
}

/** From a drop: files as they are, folders walked. */
export async function filesFromDrop(data: DataTransfer): Promise<UploadFile[]> {
  const entries = Array.from(data.items)
    .map((i) => (i.kind === 'file' ? i.webkitGetAsEntry() : null))
    .filter((e): e is FileSystemEntry => e !== null);
  if (entries.length === 0) return filesFromInput(data.files);
  const out: UploadFile[] = [];
  for (const e of entries) await walk(e, '', out);
  return out;
}
