import { constants, promises as fs } from "node:fs";
import path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { WriteError } from "../errors.js";

export const TEMP_PREFIX = ".stowaway-tmp-";

/** Inode and sha256 of the bytes we last renamed into place, by destination. */
const written = new Map<string, { ino: number; digest: string }>();
const digest = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** What an operator should read in the log for the write failures that happen in practice. */
const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: "no space left on the output filesystem; the old file is kept",
  EDQUOT: "disk quota exceeded; the old file is kept",
  EROFS: "the output filesystem is read-only; the old file is kept",
  ENOENT: "the output directory is missing",
  EACCES: "permission denied on the output directory",
  EPERM: "operation not permitted on the output directory",
};

export interface FileOwner {
  mode: number;
  uid?: number;
  gid?: number;
}

/**
 * Resolves `rel` inside `root` and refuses anything that could land outside it:
 * absolute paths, "..", and symlinks anywhere below the root.
 */
export async function safeDestination(root: string, rel: string): Promise<string> {
  if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes("..") || rel.includes("\0")) {
    throw new WriteError("PATH_ESCAPE", `${rel}: must stay inside the output dir`);
  }
  const dest = path.resolve(root, rel);
  if (!dest.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) {
    throw new WriteError("PATH_ESCAPE", `${rel}: must stay inside the output dir`);
  }
  // Every existing component below the root must be a real directory (or, last, a regular file).
  const parts = path.relative(root, dest).split(path.sep);
  let cur = root;
  for (let i = 0; i < parts.length; i++) {
    cur = path.join(cur, parts[i]);
    const st = await fs.lstat(cur).catch(() => undefined);
    if (!st) break;
    if (st.isSymbolicLink()) throw new WriteError("PATH_ESCAPE", `${rel}: ${path.relative(root, cur)} is a symlink; refusing to follow it`);
    if (i < parts.length - 1 && !st.isDirectory()) throw new WriteError("PATH_ESCAPE", `${rel}: ${path.relative(root, cur)} is not a directory`);
    if (i === parts.length - 1 && !st.isFile()) throw new WriteError("PATH_ESCAPE", `${rel}: exists and is not a regular file`);
  }
  return dest;
}

/** A path that names `name` inside the directory open as `dir`, resolved from that directory, never from a path. */
const at = (dir: fs.FileHandle, name: string) => `/proc/self/fd/${dir.fd}/${name}`;

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** Memory-backed filesystems, by statfs(2) magic number: tmpfs and ramfs. */
const MEMORY_MAGIC = new Set([0x01021994, 0x858458f6]);

export interface WriteOptions {
  /** Write even when the file's own directory is not on tmpfs/ramfs (output.allowNonTmpfs). */
  allowNonTmpfs?: boolean;
}

/** Current bytes and ownership of `name` in `dir`, without following a symlink; undefined if absent. */
async function readCurrent(
  dir: fs.FileHandle,
  name: string,
  key: string,
): Promise<{ equals(b: Buffer): boolean; mode: number; uid: number; gid: number } | undefined> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(at(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    const bytes = await fh.readFile();
    return { equals: (b) => bytes.equals(b), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch (err) {
    // Handed to another user and we lack CAP_DAC_OVERRIDE: compare with what we wrote there.
    const known = written.get(key);
    if ((err as NodeJS.ErrnoException).code !== "EACCES" || !known) return undefined;
    const st = await fs.lstat(at(dir, name)).catch(() => undefined);
    if (!st?.isFile() || st.ino !== known.ino) return undefined;
    return { equals: (b) => digest(b) === known.digest, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } finally {
    await fh?.close();
  }
}

function errnoText(code: string | undefined): string {
  return code ? `${code}${ERRNO_TEXT[code] ? ` (${ERRNO_TEXT[code]})` : ""}` : "error";
}

/**
 * Opens root, then each directory of `rel` below it, each with O_DIRECTORY|O_NOFOLLOW and
 * relative to the one before (through /proc/self/fd), creating missing ones. No path is
 * resolved twice, so swapping a directory for a symlink mid-way cannot redirect the write:
 * it is refused (ELOOP/ENOTDIR). Returns the handle of the file's directory.
 */
async function openDirs(root: string, rel: string, create?: { dirMode: number; owner: FileOwner }): Promise<fs.FileHandle> {
  const parts = rel.split("/").filter((p) => p !== "" && p !== ".");
  parts.pop();
  let dir: fs.FileHandle;
  try {
    dir = await fs.open(root, DIR_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP" || code === "ENOTDIR") throw new WriteError("PATH_ESCAPE", `${rel}: output.dir is not a directory or is a symlink`);
    throw new WriteError("WRITE_FAILED", `${rel}: ${errnoText(code)}`);
  }
  let sub = "";
  try {
    for (const part of parts) {
      sub = sub ? `${sub}/${part}` : part;
      let next: fs.FileHandle | undefined;
      let made = false;
      for (let tries = 0; !next; tries++) {
        try {
          next = await fs.open(at(dir, part), DIR_FLAGS);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "ELOOP" || code === "ENOTDIR")
            throw new WriteError("PATH_ESCAPE", `${rel}: ${sub} is a symlink or not a directory; refusing to follow it`);
          if (code !== "ENOENT" || !create || tries > 3) throw new WriteError("WRITE_FAILED", `${rel}: cannot open ${sub}: ${errnoText(code)}`);
          // mkdir never follows a symlink in its last component: a racing symlink makes it EEXIST.
          await fs.mkdir(at(dir, part), { mode: create.dirMode }).then(
            () => (made = true),
            (e: NodeJS.ErrnoException) => {
              if (e.code !== "EEXIST") throw new WriteError("WRITE_FAILED", `${rel}: cannot create ${sub}: ${errnoText(e.code)}`);
            },
          );
        }
      }
      await dir.close();
      dir = next;
      if (made && create) await setDirOwner(dir, create.dirMode, create.owner, rel, sub);
    }
    return dir;
  } catch (err) {
    await dir.close().catch(() => {});
    throw err;
  }
}

/** Mode (umask aside) and owner of a directory we created, set on its open handle. */
async function setDirOwner(dir: fs.FileHandle, dirMode: number, owner: FileOwner, rel: string, sub: string): Promise<void> {
  await dir.chmod(dirMode);
  const [uid, gid] = dirOwner(owner);
  if (uid !== -1 || gid !== -1) {
    await dir.chown(uid, gid).catch((err: NodeJS.ErrnoException) => {
      throw new WriteError("WRITE_FAILED", `${rel}: cannot set owner of ${sub} (${err.code}); run the sidecar as root or drop uid/gid`);
    });
  }
}

/** True when `dir` is still what root/<dirs of rel> names (not moved away or replaced). */
async function stillInPlace(root: string, rel: string, dir: fs.FileHandle): Promise<boolean> {
  let check: fs.FileHandle | undefined;
  try {
    check = await openDirs(root, rel);
    const [a, b] = await Promise.all([check.stat(), dir.stat()]);
    return a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  } finally {
    await check?.close();
  }
}

/**
 * Writes `bytes` to `root/rel` so that readers see either the old or the new file, never
 * a partial one. Mode and owner are set on the temp file before the rename. Returns false,
 * touching nothing, when the file already holds these bytes with this mode and owner.
 *
 * Every step works relative to an open handle of the file's directory, and the file's own
 * directory must be memory-backed (a disk bind-mounted below a tmpfs output.dir is refused).
 * The temp file is removed whatever fails.
 */
export async function writeAtomic(root: string, rel: string, bytes: Buffer, owner: FileOwner, dirMode: number, opts: WriteOptions = {}): Promise<boolean> {
  const dest = await safeDestination(root, rel);
  const name = path.basename(dest);
  const dir = await openDirs(root, path.relative(root, dest), { dirMode, owner });
  let tmp: string | undefined;
  let fh: fs.FileHandle | undefined;
  try {
    if (!opts.allowNonTmpfs) {
      const { type } = await fs.statfs(`/proc/self/fd/${dir.fd}`);
      if (!MEMORY_MAGIC.has(type)) {
        const where = path.dirname(rel) === "." ? "output.dir" : `${path.dirname(rel)} (inside output.dir)`;
        throw new WriteError("NOT_TMPFS", `${rel}: ${where} is not on tmpfs or ramfs (another filesystem is mounted there); refusing to write a secret to it`);
      }
    }
    const st = await fs.lstat(at(dir, name)).catch(() => undefined);
    if (st && !st.isFile())
      throw new WriteError("PATH_ESCAPE", st.isSymbolicLink() ? `${rel}: is a symlink; refusing to follow it` : `${rel}: exists and is not a regular file`);
    const current = st ? await readCurrent(dir, name, dest) : undefined;
    if (
      current &&
      current.equals(bytes) &&
      current.mode === owner.mode &&
      (owner.uid === undefined || current.uid === owner.uid) &&
      (owner.gid === undefined || current.gid === owner.gid)
    ) {
      return false;
    }
    tmp = `${TEMP_PREFIX}${randomBytes(6).toString("hex")}`;
    fh = await fs.open(at(dir, tmp), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    await fh.writeFile(bytes);
    await fh.chmod(owner.mode);
    if (owner.uid !== undefined || owner.gid !== undefined) {
      await fh.chown(owner.uid ?? -1, owner.gid ?? -1).catch((err: NodeJS.ErrnoException) => {
        throw new WriteError(
          "WRITE_FAILED",
          `${rel}: cannot set owner ${owner.uid ?? "-"}:${owner.gid ?? "-"} (${err.code}); run the sidecar as root or drop uid/gid`,
        );
      });
    }
    await fh.sync();
    const { ino } = await fh.stat();
    await fh.close();
    fh = undefined;
    await fs.rename(at(dir, tmp), at(dir, name));
    tmp = undefined;
    // The directory was moved or swapped while we wrote: take the file back out and say so.
    if (path.dirname(rel) !== "." && !(await stillInPlace(root, path.relative(root, dest), dir))) {
      const now = await fs.lstat(at(dir, name)).catch(() => undefined);
      if (now?.ino === ino) await fs.unlink(at(dir, name)).catch(() => {});
      throw new WriteError("PATH_ESCAPE", `${rel}: ${path.dirname(rel)} was moved or replaced during the write; the file was removed again`);
    }
    written.set(dest, { ino, digest: digest(bytes) });
    return true;
  } catch (err) {
    await fh?.close().catch(() => {});
    if (tmp) await fs.unlink(at(dir, tmp)).catch(() => {});
    if (err instanceof WriteError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new WriteError("WRITE_FAILED", code ? `${rel}: ${errnoText(code)}` : `${rel}: ${(err as Error).message}`);
  } finally {
    await dir.close().catch(() => {});
  }
}

/**
 * Owner of directories we create. With a gid the sidecar keeps the directory (0750) and the
 * app reads through the group: a sidecar running as root with only CAP_CHOWN (no
 * CAP_DAC_OVERRIDE) could not write into a directory it had handed to another user.
 */
export function dirOwner(o: { uid?: number; gid?: number }): [uid: number, gid: number] {
  return o.gid !== undefined ? [-1, o.gid] : [o.uid ?? -1, -1];
}

/** Removes `rel` below root, through the same handle walk as writes (never through a symlink). */
export async function removeFile(root: string, rel: string): Promise<void> {
  const dest = await safeDestination(root, rel);
  let dir: fs.FileHandle;
  try {
    dir = await openDirs(root, path.relative(root, dest));
  } catch {
    return; // its directory is gone or is a symlink: nothing of ours to remove there
  }
  try {
    await fs.unlink(at(dir, path.basename(dest))).catch(() => {});
  } finally {
    await dir.close();
  }
}

/** Removes temp files left by a crash, anywhere under root. */
export async function removeStaleTemps(root: string): Promise<number> {
  let removed = 0;
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (e.isFile() && e.name.startsWith(TEMP_PREFIX)) {
      await fs.rm(path.join(e.parentPath, e.name), { force: true });
      removed++;
    }
  }
  return removed;
}
