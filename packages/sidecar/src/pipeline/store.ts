import path from "node:path";
import type { Output, RenderedFile } from "../sources/source.js";
import type { Sink } from "./sink.js";

export interface Stored {
  output: Output;
  /** Its bytes (or its unit's) changed. */
  changed: boolean;
  error?: unknown;
}

/**
 * Stores a result's files: each on its own, except outputs of one unit (a certificate's files,
 * a `group:`), which are published together when the sink can (`putUnit`).
 */
export async function storeFiles(sink: Sink, files: RenderedFile[]): Promise<Stored[]> {
  const out: Stored[] = [];
  const units = new Map<string, RenderedFile[]>();
  for (const f of files) {
    if (!f.output.unit || !sink.putUnit) {
      try {
        out.push({ output: f.output, changed: await sink.put(f.output, f.bytes) });
      } catch (error) {
        out.push({ output: f.output, changed: false, error });
      }
      continue;
    }
    const key = `${path.dirname(f.output.cfg.file)}\0${f.output.unit.name ?? ""}`;
    units.set(key, [...(units.get(key) ?? []), f]);
  }
  for (const unit of units.values()) {
    try {
      const changed = await sink.putUnit!(unit[0].output.unit!.name, unit);
      for (const f of unit) out.push({ output: f.output, changed });
    } catch (error) {
      for (const f of unit) out.push({ output: f.output, changed: false, error });
    }
  }
  return out;
}

/** The units among outputs: their name and files (for clean-up at start and removeOnExit). */
export function unitsOf(outputs: Iterable<Output>): { name?: string; files: string[] }[] {
  const units = new Map<string, { name?: string; files: string[] }>();
  for (const o of outputs) {
    if (!o.unit) continue;
    const key = `${path.dirname(o.cfg.file)}\0${o.unit.name ?? ""}`;
    const u = units.get(key) ?? { name: o.unit.name, files: [] };
    u.files.push(o.cfg.file);
    units.set(key, u);
  }
  return [...units.values()];
}
