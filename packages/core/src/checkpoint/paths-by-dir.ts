/**
 * A set of relative paths (`dir/name`) that also answers "the names directly in `dir`" without a scan
 * of every path: a checkpoint's journal holds thousands of entries, and each purge lists a directory.
 */
export class PathsByDir {
  private readonly dirs = new Map<string, Set<string>>();

  has(path: string): boolean {
    const [dir, name] = split(path);
    return this.dirs.get(dir)?.has(name) ?? false;
  }

  add(path: string): void {
    const [dir, name] = split(path);
    let names = this.dirs.get(dir);
    if (!names) this.dirs.set(dir, (names = new Set()));
    names.add(name);
  }

  /** Removes `path`; whether it was there. */
  delete(path: string): boolean {
    const [dir, name] = split(path);
    const names = this.dirs.get(dir);
    if (!names?.delete(name)) return false;
    if (names.size === 0) this.dirs.delete(dir);
    return true;
  }

  /** The names directly in `dir` (relative, no trailing slash). */
  names(dir: string): Iterable<string> {
    return this.dirs.get(dir) ?? [];
  }
}

function split(path: string): [string, string] {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? ["", path] : [path.slice(0, slash), path.slice(slash + 1)];
}
