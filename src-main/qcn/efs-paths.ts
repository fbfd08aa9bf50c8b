// EFS paths as a QCN stores them, and where QPST puts each file. Pure rules, no I/O.
//
// Learned from QPST 2.7.0.496 full backups published as test files of
// koyuyesil/Nebula-QCN-MCDF-Analyser (sources/Test/TestFiles/sunny-EFS-Backups-*/00000000_0.xqcn,
// sources/Test/TestFiles/surya-pocox3-nfc/00000000_0.xqcn):
// - EFS_Backup holds the RF calibration files (/nv/item_files/rfnv/000NNNNN) and plain files
//   (/rfc/rffe_scan/rffe_scan.dat) with their modification time, and a few files named relative
//   to the EFS root (`pdp_profiles/ap_embd_call_prof_num_Subscription01`) with time 0: files QPST
//   asks for by name. Relative paths are root-relative (other tools show the same files as
//   /pdp_profiles/...).
// - Provisioning_Item_Files holds the other item files: /nv/item_files/..., /nv/reg_files/...,
//   and item files elsewhere (/sd/mru001, /cgps/nv/item_files/...), some of them empty.
// - NV_Items is empty.

/** Where RF calibration item files live. */
export const RFNV_DIR = '/nv/item_files/rfnv/';
/** Longest path the module's file system takes (EFS2 names are bounded; the DIAG packet too). */
export const MAX_EFS_PATH = 1023;

/**
 * Files QPST asks for by a root-relative name and stores under that spelling in EFS_Backup with
 * time 0 (the four names seen in the public backups above). A backup asks for them the same way.
 */
export const QPST_RELATIVE_NAMES: readonly string[] = [
  'pdp_profiles/ap_embd_call_prof_num_Subscription01',
  'pdp_profiles/ap_teth_call_prof_num_Subscription01',
  'pdp_profiles/embedded_call_prof_num_Subscription01',
  'pdp_profiles/tethered_call_prof_num_Subscription01',
];

/** Why a stored path cannot name a file on the module, or undefined when it can. */
export function efsPathProblem(stored: string): string | undefined {
  if (stored === '' || stored === '/') return 'its path is empty';
  if (stored.length > MAX_EFS_PATH)
    return `its path is ${stored.length} characters, longer than the ${MAX_EFS_PATH} the modem takes`;
  if ([...stored].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return 'its path holds control characters';
  const parts = stored.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..')) return 'its path climbs with "." or ".."';
  if (stored.includes('//')) return 'its path has an empty folder name';
  return undefined;
}

/** The module path of a stored path: relative paths are taken from the EFS root. undefined when unusable. */
export function modulePath(stored: string): string | undefined {
  if (efsPathProblem(stored) !== undefined) return undefined;
  const parts = stored.split('/').filter((p) => p !== '');
  return `/${parts.join('/')}`;
}

/** The same file on the module (for comparing a stored path with another spelling). */
export function samePath(a: string, b: string): boolean {
  const ma = modulePath(a);
  return ma !== undefined && ma === modulePath(b);
}

export function isRfnvPath(path: string): boolean {
  return (modulePath(path) ?? path).startsWith(RFNV_DIR);
}

/** An item file by its place in the tree (the module also marks them in READDIR). */
export function isItemFilePath(path: string): boolean {
  const p = modulePath(path) ?? path;
  return p.startsWith('/nv/item_files/') || p.startsWith('/nv/reg_files/');
}

export type QpstStorage = 'efsBackup' | 'provisioning';

/**
 * The storage QPST keeps a module file in: RF calibration and plain files in EFS_Backup, every
 * other item file in Provisioning_Item_Files.
 */
export function qpstStorageFor(path: string, itemFile: boolean): QpstStorage {
  if (isRfnvPath(path)) return 'efsBackup';
  return itemFile || isItemFilePath(path) ? 'provisioning' : 'efsBackup';
}
