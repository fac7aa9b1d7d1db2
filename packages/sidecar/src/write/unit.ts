/**
 * Writes several files as one unit, the way the Kubernetes AtomicWriter
 * publishes a volume: the files go into a new versioned directory, and one
 * rename of the `..data` symlink publishes them all. The stable names are
 * symlinks through `..data`:
 *
 *   tls.crt -> ..data/tls.crt
 *   tls.key -> ..data/tls.key
 *   ..data  -> ..2026_12_03_11_07_26.3f9a1c
 *
 * A replaced version is removed once it has been unpublished for a short
 * grace period, so a reader that resolved `..data` just before the swap still
 * finds its file.
 *
 * So at every instant the stable names show one version: a new certificate
 * is never visible next to the old key. (A reader that opens tls.crt, and
 * then tls.key after a swap, still gets two versions; no layout can prevent
 * that. A reader that re-reads tls.crt after tls.key and gets the same bytes
 * holds a matching pair.)
 */
import { constants, promises as fs } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { WriteError } from "../errors.js";
import { type Clock, systemClock } from "../schedule/clock.js";
import { dirOwner, safeDestination } from "./atomic.js";
import { fsTypeOf, MEMORY_FS } from "./tmpfs.js";

export interface UnitFile {
  /** Path relative to the output dir; every file of a unit lives in one directory. */
  name: string;
  bytes: Buffer;
  /** File mode, e.g. 0o400 for a private key. */
  mode: number;
}

export interface UnitOptions {
  /** Name of the unit when several share a directory: its link is `..<unit>.data`. Default: `..data`. */
  unit?: string;
  /** Owner of the files (and, per dirOwner, of the version directory). */
  uid?: number;
  gid?: number;
  /** Mode of the version directory (the output dir's mode). */
  dirMode: number;
  /** Refuse to write when the unit's directory is not tmpfs/ramfs. Default false (prepareOutputDir checks the output dir). */
  requireTmpfs?: boolean;
  /**
   * How long a replaced version stays after the swap (ms), so that a reader that
   * resolved `..data` an instant before the swap still finds its file. Default 2000.
   */
  graceMs?: number;
  /** For tests: /proc/self/mountinfo text. */
  mountinfo?: string;
  /** Times the grace period and runs its clean-up timer. Default: the system clock. */
  clock?: Clock;
}

const UNIT_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const TMP_LINK = ".stowaway-tmp-link-";

const pad = (n: number, w = 2) => String(n).padStart(w, "0");
/** `2026_12_03_11_07_26`, in UTC, as the Kubernetes writer names its versions. */
function stamp(d: Date): string {
  return `${d.getUTCFullYear()}_${pad(d.getUTCMonth() + 1)}_${pad(d.getUTCDate())}_${pad(d.getUTCHours())}_${pad(d.getUTCMinutes())}_${pad(d.getUTCSeconds())}`;
}

export function unitLinkName(unit?: string): string {
  return unit ? `..${unit}.data` : "..data";
}

function versionPattern(unit?: string): RegExp {
  return new RegExp(`^\\.\\.${unit ? `${unit}\\.` : ""}\\d{4}_\\d\\d_\\d\\d_\\d\\d_\\d\\d_\\d\\d\\.[0-9a-f]{12}$`);
}

/** The unit's directory (relative to root) and its files' base names; throws on names that could escape or clash. */
export function unitLayout(files: { name: string }[], unit?: string): { dir: string; names: string[] } {
  if (unit !== undefined && !UNIT_NAME.test(unit)) throw new WriteError("PATH_ESCAPE", `unit name ${JSON.stringify(unit)}: use letters, digits, _ and - only`);
  if (files.length === 0) throw new WriteError("WRITE_FAILED", "a unit needs at least one file");
  const dirs = new Set<string>();
  const names: string[] = [];
  for (const f of files) {
    if (path.isAbsolute(f.name) || f.name.split(/[\\/]/).includes("..") || f.name.includes("\0")) {
      throw new WriteError("PATH_ESCAPE", `${f.name}: must stay inside the output dir`);
    }
    const base = path.basename(f.name);
    if (base.startsWith("..") || base.startsWith(".stowaway-tmp-"))
      throw new WriteError("PATH_ESCAPE", `${f.name}: names starting with ".." are the unit's own`);
    dirs.add(path.dirname(path.normalize(f.name)));
    names.push(base);
  }
  if (dirs.size > 1) throw new WriteError("WRITE_FAILED", `the files of one unit must share a directory: ${files.map((f) => f.name).join(", ")}`);
  if (new Set(names).size !== names.length) throw new WriteError("WRITE_FAILED", `a unit names a file twice: ${names.join(", ")}`);
  return { dir: [...dirs][0], names };
}

function fail(rel: string, err: unknown): never {
  if (err instanceof WriteError) throw err;
  const code = (err as NodeJS.ErrnoException).code;
  throw new WriteError("WRITE_FAILED", `${rel}: ${code ?? (err as Error).message}`);
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** True when the published version already holds exactly these files with these modes and owner. */
async function isCurrent(dir: string, link: string, files: UnitFile[], names: string[], opts: UnitOptions): Promise<boolean> {
  const target = await fs.readlink(path.join(dir, link)).catch(() => undefined);
  if (!target || target.includes("/")) return false;
  const version = path.join(dir, target);
  const present = await fs.readdir(version).catch(() => undefined);
  if (!present || present.length !== names.length) return false;
  for (let i = 0; i < files.length; i++) {
    const st = await fs.lstat(path.join(version, names[i])).catch(() => undefined);
    if (!st?.isFile() || (st.mode & 0o7777) !== files[i].mode) return false;
    if ((opts.uid !== undefined && st.uid !== opts.uid) || (opts.gid !== undefined && st.gid !== opts.gid)) return false;
    const bytes = await fs.readFile(path.join(version, names[i])).catch(() => undefined);
    if (!bytes?.equals(files[i].bytes)) return false;
    const stable = await fs.readlink(path.join(dir, names[i])).catch(() => undefined);
    if (stable !== `${link}/${names[i]}`) return false;
  }
  return true;
}

/** Points `dir/name` at `target` by renaming a fresh symlink over it: never absent, never half-made. */
async function swapLink(dir: string, name: string, target: string): Promise<void> {
  const tmp = path.join(dir, `${TMP_LINK}${randomBytes(6).toString("hex")}`);
  await fs.symlink(target, tmp);
  try {
    await fs.rename(tmp, path.join(dir, name));
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Publishes `files` as one unit. Writes of one unit must not overlap (the caller serialises them). Returns false, touching nothing, when the current
 * version already holds these bytes, modes and owner. On failure the previous
 * version stays published and nothing new is left behind.
 */
export async function writeUnit(root: string, files: UnitFile[], opts: UnitOptions): Promise<boolean> {
  const { dir: rel, names } = unitLayout(files, opts.unit);
  const link = unitLinkName(opts.unit);
  // Refuses symlinked or non-directory components between root and the unit's directory.
  const probe = await safeDestination(root, path.join(rel, `${TMP_LINK}probe`));
  const dir = path.dirname(probe);
  await fs.mkdir(dir, { recursive: true, mode: opts.dirMode }).catch((e) => fail(rel, e));
  if (opts.requireTmpfs) {
    const type = fsTypeOf(dir, opts.mountinfo);
    if (!type || !MEMORY_FS.has(type))
      throw new WriteError("NOT_TMPFS", `${rel === "." ? "output dir" : rel} is on ${type ?? "an unknown filesystem"}, not tmpfs or ramfs`);
  }
  for (const n of names) {
    const st = await fs.lstat(path.join(dir, n)).catch(() => undefined);
    if (st && !st.isSymbolicLink() && !st.isFile()) throw new WriteError("PATH_ESCAPE", `${path.join(rel, n)}: exists and is not a file or symlink`);
  }
  if (await isCurrent(dir, link, files, names, opts)) return false;

  const previous = await fs.readlink(path.join(dir, link)).catch(() => undefined);
  const versionName = `..${opts.unit ? `${opts.unit}.` : ""}${stamp(new Date())}.${randomBytes(6).toString("hex")}`;
  const version = path.join(dir, versionName);
  const [duid, dgid] = dirOwner(opts);
  let published = false;
  writing.add(version);
  try {
    await fs.mkdir(version, { mode: opts.dirMode });
    await fs.chmod(version, opts.dirMode);
    if (duid !== -1 || dgid !== -1) await fs.chown(version, duid, dgid);
    for (let i = 0; i < files.length; i++) {
      const fh = await fs.open(path.join(version, names[i]), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        await fh.writeFile(files[i].bytes);
        await fh.chmod(files[i].mode);
        if (opts.uid !== undefined || opts.gid !== undefined) await fh.chown(opts.uid ?? -1, opts.gid ?? -1);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    await fsyncDir(version);
    // The one step readers can observe: every stable name switches at once.
    await swapLink(dir, link, versionName);
    published = true;
    for (const n of names) {
      if ((await fs.readlink(path.join(dir, n)).catch(() => undefined)) !== `${link}/${n}`) await swapLink(dir, n, `${link}/${n}`);
    }
    await fsyncDir(dir);
  } catch (err) {
    if (!published) await fs.rm(version, { recursive: true, force: true }).catch(() => {});
    fail(rel, err);
  } finally {
    writing.delete(version);
  }
  // Stable names the previous version had and this one has not would dangle.
  if (previous && !previous.includes("/")) {
    const old = await fs.readdir(path.join(dir, previous)).catch(() => [] as string[]);
    for (const n of old) {
      if (!names.includes(n) && (await fs.readlink(path.join(dir, n)).catch(() => undefined)) === `${link}/${n}`)
        await fs.rm(path.join(dir, n), { force: true });
    }
  }
  const grace = opts.graceMs ?? 2000;
  const clock = opts.clock ?? systemClock;
  if (previous && !previous.includes("/") && grace > 0) {
    replacedAt.set(path.join(dir, previous), clock.now());
    clock.setTimeout(() => void removeOldVersions(dir, opts.unit, { graceMs: grace, replacedOnly: true, now: clock.now() }).catch(() => {}), grace + 10, {
      unref: true,
    });
  }
  await removeOldVersions(dir, opts.unit, { keep: [versionName], graceMs: grace, now: clock.now() });
  return true;
}

/** When each replaced version stopped being published (ms), by path: it is kept for the grace period. */
const replacedAt = new Map<string, number>();
/** Versions being written right now: a clean-up running meanwhile (a grace timer) must not take them. */
const writing = new Set<string>();

interface Sweep {
  /** Version names to leave alone (the published one). */
  keep?: (string | undefined)[];
  /** Leave versions replaced less than this long ago (ms). */
  graceMs?: number;
  /** Only versions known to have been replaced: the grace timer can run while a write publishes. */
  replacedOnly?: boolean;
  /** Also temp links a crash left (at start and removal only: another unit may be mid-swap). */
  temps?: boolean;
  /** The time now (ms), from the writer's clock; needed with graceMs. */
  now?: number;
}

/** Removes this unit's old version directories. */
async function removeOldVersions(dir: string, unit: string | undefined, o: Sweep): Promise<void> {
  const pattern = versionPattern(unit);
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, e.name);
    if (o.temps && e.isSymbolicLink() && e.name.startsWith(TMP_LINK)) {
      await fs.rm(full, { force: true }).catch(() => {});
      continue;
    }
    if (!e.isDirectory() || !pattern.test(e.name) || o.keep?.includes(e.name) || writing.has(full)) continue;
    const since = replacedAt.get(full);
    if (since !== undefined && o.now !== undefined && o.now - since < (o.graceMs ?? 0)) continue;
    if (o.replacedOnly && since === undefined) continue;
    replacedAt.delete(full);
    await fs.rm(full, { recursive: true, force: true }).catch(() => {});
  }
}

/** At start: removes versions that `..data` does not point at (a crash left them). */
export async function removeStaleVersions(root: string, relDir: string, unit?: string): Promise<void> {
  const dir = path.resolve(root, relDir);
  const current = await fs.readlink(path.join(dir, unitLinkName(unit))).catch(() => undefined);
  await removeOldVersions(dir, unit, { keep: [current], temps: true });
}

/** Deletes a unit: its stable links, its link and its versions (output.removeOnExit). */
export async function removeUnit(root: string, names: string[], unit?: string): Promise<void> {
  const { dir: rel, names: bases } = unitLayout(
    names.map((name) => ({ name })),
    unit,
  );
  const dir = path.resolve(root, rel);
  const link = unitLinkName(unit);
  for (const n of bases) {
    if ((await fs.readlink(path.join(dir, n)).catch(() => undefined)) === `${link}/${n}`) await fs.rm(path.join(dir, n), { force: true });
  }
  await fs.rm(path.join(dir, link), { force: true });
  await removeOldVersions(dir, unit, { temps: true });
}
