import { lstat, stat } from "node:fs/promises";
import path from "node:path";
import type { SidecarConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import type { Clock } from "../schedule/clock.js";
import type { Output, RenderedFile } from "../sources/source.js";
import { prepareOutputDir, writeAtomic } from "../write/index.js";
import { writeUnit } from "../write/unit.js";

/**
 * Where rendered outputs go. `FileSink` writes files in output.dir; a consumer that keeps
 * values elsewhere (an exec child's environment) implements the same two calls.
 */
export interface Sink {
  /** Stores one output; resolves true when its bytes changed. */
  put(output: Output, bytes: Buffer): Promise<boolean>;
  /** False when a stored output was lost (a file deleted under us): it must be rendered again. */
  present(output: Output): Promise<boolean>;
  /** Stores several outputs as one unit (all or none visible); resolves true when any changed. Optional. */
  putUnit?(unit: string | undefined, files: RenderedFile[]): Promise<boolean>;
}

/** Atomic writes into output.dir, recreating the directory if it was deleted under us. */
export class FileSink implements Sink {
  constructor(
    private readonly target: () => { output: SidecarConfig["output"]; dirMode: number },
    private readonly log: Logger,
    private readonly clock?: Clock,
  ) {}

  private async ensureDir(): Promise<{ output: SidecarConfig["output"]; dirMode: number }> {
    const target = this.target();
    const out = target.output;
    const st = await lstat(out.dir).catch(() => undefined);
    if (!st?.isDirectory()) {
      // Deleted (or replaced) under us: create it again, with the same tmpfs check, mode and owner as at start.
      this.log.error({ dir: out.dir }, st ? "output.dir is no longer a directory" : "output.dir is gone; creating it again");
      await prepareOutputDir(out, undefined, false);
    }
    return target;
  }

  /** A unit: a new version directory and one `..data` swap (write/unit.ts). */
  async putUnit(unit: string | undefined, files: RenderedFile[]): Promise<boolean> {
    const { output: out, dirMode } = await this.ensureDir();
    const owner = files[0].output.cfg;
    return writeUnit(
      out.dir,
      files.map(({ output, bytes }) => ({ name: output.cfg.file, bytes, mode: output.cfg.mode ?? out.mode })),
      { unit, dirMode, uid: owner.uid ?? out.uid, gid: owner.gid ?? out.gid, requireTmpfs: !out.allowNonTmpfs, clock: this.clock },
    );
  }

  async put(o: Output, bytes: Buffer): Promise<boolean> {
    const { output: out, dirMode } = await this.ensureDir();
    return writeAtomic(out.dir, o.cfg.file, bytes, { mode: o.cfg.mode ?? out.mode, uid: o.cfg.uid ?? out.uid, gid: o.cfg.gid ?? out.gid }, dirMode, {
      allowNonTmpfs: out.allowNonTmpfs,
    });
  }

  async present(o: Output): Promise<boolean> {
    // A unit's stable name is a symlink: follow it, so a lost version directory counts as missing.
    const file = path.join(this.target().output.dir, o.cfg.file);
    const found = await (o.unit ? stat(file) : lstat(file)).catch(() => undefined);
    if (!found) this.log.warn({ path: o.cfg.path, file: o.cfg.file }, "file missing from output.dir; rendering it again");
    return found !== undefined;
  }
}
