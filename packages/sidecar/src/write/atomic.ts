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

/** Current bytes and ownership of `file`, without following a symlink; undefined if absent. */
async function readCurrent(file: string): Promise<{ equals(b: Buffer): boolean; mode: number; uid: number; gid: number } | undefined> {
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    const bytes = await fh.readFile();
    return { equals: (b) => bytes.equals(b), mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch (err) {
    // Handed to another user and we lack CAP_DAC_OVERRIDE: compare with what we wrote there.
    const known = written.get(file);
    if ((err as NodeJS.ErrnoException).code !== "EACCES" || !known) return undefined;
    const st = await fs.lstat(file).catch(() => undefined);
    if (!st?.isFile() || st.ino !== known.ino) return undefined;
    return { equals: (b) => digest(b) === known.digest, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } finally {
    await fh?.close();
  }
}

/**
 * Writes `bytes` to `root/rel` so that readers see either the old or the new file, never
 * a partial one. Mode and owner are set on the temp file before the rename. Returns false,
 * touching nothing, when the file already holds these bytes with this mode and owner.
 */
export async function writeAtomic(root: string, rel: string, bytes: Buffer, owner: FileOwner, dirMode: number): Promise<boolean> {
  const dest = await safeDestination(root, rel);
  const current = await readCurrent(dest);
  if (
    current &&
    current.equals(bytes) &&
    current.mode === owner.mode &&
    (owner.uid === undefined || current.uid === owner.uid) &&
    (owner.gid === undefined || current.gid === owner.gid)
  ) {
    return false;
  }
  const dir = path.dirname(dest);
  if (dir !== root) {
    await makeDirs(root, dir, dirMode, owner, rel);
    // A subdirectory created by a racing writer could be a symlink: re-check.
    await safeDestination(root, rel);
  }
  const tmp = path.join(dir, `${TEMP_PREFIX}${randomBytes(6).toString("hex")}`);
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    await fh.writeFile(bytes);
    await fh.chmod(owner.mode);
    if (owner.uid !== undefined || owner.gid !== undefined) {
      await fh.chown(owner.uid ?? -1, owner.gid ?? -1).catch((err: NodeJS.ErrnoException) => {
        throw new WriteError("WRITE_FAILED", `${rel}: cannot set owner ${owner.uid ?? "-"}:${owner.gid ?? "-"} (${err.code}); run the sidecar as root or drop uid/gid`);
      });
    }
    await fh.sync();
    const { ino } = await fh.stat();
    await fh.close();
    fh = undefined;
    await fs.rename(tmp, dest);
    written.set(dest, { ino, digest: digest(bytes) });
    return true;
  } catch (err) {
    await fh?.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    if (err instanceof WriteError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new WriteError("WRITE_FAILED", code ? `${rel}: ${code}${ERRNO_TEXT[code] ? ` (${ERRNO_TEXT[code]})` : ""}` : `${rel}: ${(err as Error).message}`);
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

/**
 * Creates the missing directories between root and dir with the output dir's mode (umask
 * aside) and the file's owner: with a gid, the app must be able to traverse them.
 */
async function makeDirs(root: string, dir: string, dirMode: number, owner: FileOwner, rel: string): Promise<void> {
  let cur = root;
  for (const part of path.relative(root, dir).split(path.sep)) {
    cur = path.join(cur, part);
    try {
      await fs.mkdir(cur, { mode: dirMode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") continue;
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      throw new WriteError("WRITE_FAILED", `${rel}: cannot create ${path.relative(root, cur)}: ${code}${ERRNO_TEXT[code] ? ` (${ERRNO_TEXT[code]})` : ""}`);
    }
    await fs.chmod(cur, dirMode);
    const [uid, gid] = dirOwner(owner);
    if (uid !== -1 || gid !== -1) {
      await fs.chown(cur, uid, gid).catch((err: NodeJS.ErrnoException) => {
        throw new WriteError("WRITE_FAILED", `${rel}: cannot set owner of ${path.relative(root, cur)} (${err.code}); run the sidecar as root or drop uid/gid`);
      });
    }
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
