import { promises as fs } from "node:fs";
import path from "node:path";
import { WriteError } from "../errors.js";
import { fsTypeOf, MEMORY_FS } from "./tmpfs.js";
import { dirOwner, removeFile, removeStaleTemps } from "./atomic.js";

export { writeAtomic, safeDestination, removeStaleTemps, removeFile, dirOwner, TEMP_PREFIX, type FileOwner, type WriteOptions } from "./atomic.js";
export { fsTypeOf, parseMountInfo } from "./tmpfs.js";

export interface OutputOptions {
  dir: string;
  allowNonTmpfs: boolean;
  gid?: number;
  uid?: number;
}

/**
 * Creates the output dir (0700, or 0750 with a gid), checks it is memory-backed, and clears
 * stale temp files. Returns a warning when a non-tmpfs dir is allowed.
 */
export async function prepareOutputDir(opts: OutputOptions, mountinfo?: string, removeTemps = true): Promise<{ dirMode: number; warning?: string }> {
  const dirMode = opts.gid !== undefined ? 0o750 : 0o700;
  const existed = await fs.lstat(opts.dir).catch(() => undefined);
  if (existed?.isSymbolicLink()) throw new WriteError("PATH_ESCAPE", `output.dir ${opts.dir} is a symlink`);
  if (existed && !existed.isDirectory()) throw new WriteError("WRITE_FAILED", `output.dir ${opts.dir} is not a directory`);
  // Check the filesystem before creating anything: a missing dir would land on its nearest existing ancestor's.
  let probe = opts.dir;
  while (!(await fs.stat(probe).catch(() => undefined)) && path.dirname(probe) !== probe) probe = path.dirname(probe);
  const fsType = fsTypeOf(probe, mountinfo);
  let warning: string | undefined;
  if (!fsType || !MEMORY_FS.has(fsType)) {
    const what = `output.dir ${opts.dir} is on ${fsType ?? "an unknown filesystem"}, not tmpfs or ramfs`;
    if (!opts.allowNonTmpfs) {
      throw new WriteError("NOT_TMPFS", `${what}; mount a memory-backed volume (emptyDir medium: Memory, or tmpfs) or set output.allowNonTmpfs: true`);
    }
    warning = `${what}: secrets may reach persistent storage (allowNonTmpfs: true)`;
  }
  if (!existed) {
    try {
      await fs.mkdir(opts.dir, { recursive: true, mode: dirMode });
      await fs.chmod(opts.dir, dirMode);
      const [uid, gid] = dirOwner(opts);
      if (uid !== -1 || gid !== -1) await fs.chown(opts.dir, uid, gid);
    } catch (err) {
      throw new WriteError("WRITE_FAILED", `output.dir ${opts.dir}: ${(err as NodeJS.ErrnoException).code ?? "cannot create"}`);
    }
  }
  // Only at start: later, a temp file may belong to a write in progress.
  if (removeTemps) await removeStaleTemps(opts.dir);
  return { dirMode, warning };
}

/** Deletes rendered files (output.removeOnExit). */
export async function removeFiles(root: string, files: string[]): Promise<void> {
  await Promise.allSettled(files.map((f) => removeFile(root, f)));
}
