import { readFileSync, realpathSync } from "node:fs";
import path from "node:path";

export interface MountEntry {
  mountPoint: string;
  fsType: string;
}

/** Parses /proc/self/mountinfo (proc(5)); octal escapes like \040 are decoded. */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(" ");
    const right = line.slice(sep + 3).split(" ");
    if (left.length < 5 || right.length < 1) continue;
    out.push({ mountPoint: unescapeMount(left[4]), fsType: right[0] });
  }
  return out;
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The filesystem type holding `dir` (its longest matching mount point; later mounts shadow earlier). */
export function fsTypeOf(dir: string, mountinfo = readFileSync("/proc/self/mountinfo", "utf8")): string | undefined {
  const real = realpathSync(dir);
  let best: MountEntry | undefined;
  for (const m of parseMountInfo(mountinfo)) {
    const inside = real === m.mountPoint || m.mountPoint === "/" || real.startsWith(m.mountPoint.endsWith(path.sep) ? m.mountPoint : m.mountPoint + path.sep);
    if (inside && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best?.fsType;
}

export const MEMORY_FS = new Set(["tmpfs", "ramfs"]);
