import { lstat } from "node:fs/promises";
import path from "node:path";
import type { SidecarConfig } from "../config/schema.js";
import type { Logger } from "../log.js";
import type { Output } from "../sources/source.js";
import { prepareOutputDir, writeAtomic } from "../write/index.js";

/**
 * Where rendered outputs go. `FileSink` writes files in output.dir; a consumer that keeps
 * values elsewhere (an exec child's environment) implements the same two calls.
 */
export interface Sink {
  /** Stores one output; resolves true when its bytes changed. */
  put(output: Output, bytes: Buffer): Promise<boolean>;
  /** False when a stored output was lost (a file deleted under us): it must be rendered again. */
  present(output: Output): Promise<boolean>;
}

/** Atomic writes into output.dir, recreating the directory if it was deleted under us. */
export class FileSink implements Sink {
  constructor(
    private readonly target: () => { output: SidecarConfig["output"]; dirMode: number },
    private readonly log: Logger,
  ) {}

  async put(o: Output, bytes: Buffer): Promise<boolean> {
    const { output: out, dirMode } = this.target();
    const st = await lstat(out.dir).catch(() => undefined);
    if (!st?.isDirectory()) {
      // Deleted (or replaced) under us: create it again, with the same tmpfs check, mode and owner as at start.
      this.log.error({ dir: out.dir }, st ? "output.dir is no longer a directory" : "output.dir is gone; creating it again");
      await prepareOutputDir(out, undefined, false);
    }
    return writeAtomic(out.dir, o.cfg.file, bytes, { mode: o.cfg.mode ?? out.mode, uid: o.cfg.uid ?? out.uid, gid: o.cfg.gid ?? out.gid }, dirMode, { allowNonTmpfs: out.allowNonTmpfs });
  }

  async present(o: Output): Promise<boolean> {
    const found = await lstat(path.join(this.target().output.dir, o.cfg.file)).catch(() => undefined);
    if (!found) this.log.warn({ path: o.cfg.path, file: o.cfg.file }, "file missing from output.dir; rendering it again");
    return found !== undefined;
  }
}
