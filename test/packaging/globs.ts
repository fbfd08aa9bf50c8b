// Globs of the kind electron-builder.yml's `files` and `asarUnpack` take, matched against paths
// relative to the app folder ("**/" may match no folder; a leading "!" excludes).

export function globMatches(glob: string, path: string): boolean {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    if (glob.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('/**', i) && i + 3 === glob.length) {
      re += '(?:/.*)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      re += '.*';
      i += 1;
    } else if (glob[i] === '*') re += '[^/]*';
    else re += glob[i]!.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(path);
}

/** Whether a list like `files` selects a path: some positive pattern matches and no "!" pattern does. */
export function selectedBy(globs: string[], path: string): boolean {
  const include = globs.filter((g) => !g.startsWith('!'));
  const exclude = globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1));
  return include.some((g) => globMatches(g, path)) && !exclude.some((g) => globMatches(g, path));
}
