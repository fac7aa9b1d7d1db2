import type { SecretConfig, SidecarConfig } from "../config/schema.js";
import { ConfigError } from "../errors.js";
import type { Sink } from "../pipeline/sink.js";
import type { Output, RenderedFile } from "../sources/source.js";
import { isWildcard, mergeEnv, renderEnvEntry, type EnvEntry } from "./environment.js";

/** Env outputs are named `env:NAME` in logs and metric labels: a name, never a value. */
export const ENV_OUTPUT_PREFIX = "env:";

/**
 * Turns each `env:` entry into an output of the ordinary pipeline, so an env variable and a file
 * read from the same Vault path share one read (one lease for dynamic credentials). The output
 * renders as JSON of its key (or of the whole secret for `PREFIX_*`); `EnvSink` keeps those bytes
 * in memory and never writes them anywhere.
 */
export function withEnvOutputs(config: SidecarConfig, file: string): { config: SidecarConfig; entries: Map<SecretConfig, EnvEntry> } {
  const clash = config.secrets.findIndex((s) => s.file.startsWith(ENV_OUTPUT_PREFIX));
  if (clash >= 0) {
    throw new ConfigError(file, [
      { key: `secrets[${clash}].file`, message: `names starting with "${ENV_OUTPUT_PREFIX}" are reserved for env: entries under stowaway exec` },
    ]);
  }
  const entries = new Map<SecretConfig, EnvEntry>();
  const secrets = [...config.secrets];
  for (const [name, e] of Object.entries(config.env)) {
    const cfg = {
      path: e.path,
      file: `${ENV_OUTPUT_PREFIX}${name}`,
      format: "json",
      key: isWildcard(name) ? undefined : e.key,
      refreshInterval: e.refreshInterval,
      onChange: e.onChange,
    } as SecretConfig;
    entries.set(cfg, { name, path: e.path, key: e.key, onChange: e.onChange });
    secrets.push(cfg);
  }
  return { config: { ...config, secrets }, entries };
}

/** Files go to `files`; env outputs stay in this process's memory, for the child's environment only. */
export class EnvSink implements Sink {
  private readonly values = new Map<SecretConfig, { bytes: Buffer; vars: Map<string, string> }>();

  constructor(
    private readonly files: Sink,
    private readonly entries: Map<SecretConfig, EnvEntry>,
  ) {}

  isEnv(o: Output): boolean {
    return this.entries.has(o.cfg);
  }

  async put(o: Output, bytes: Buffer): Promise<boolean> {
    const entry = this.entries.get(o.cfg);
    if (!entry) return this.files.put(o, bytes);
    const prev = this.values.get(o.cfg);
    if (prev?.bytes.equals(bytes)) return false;
    // Checked before it is kept: a value the child cannot receive leaves the last good one in place.
    const vars = renderEnvEntry(entry, JSON.parse(bytes.toString("utf8")) as Record<string, unknown>);
    this.values.set(o.cfg, { bytes, vars });
    return true;
  }

  /** Files of a group (or a certificate) stay one unit; env outputs never belong to one. */
  async putUnit(unit: string | undefined, files: RenderedFile[]): Promise<boolean> {
    if (this.files.putUnit) return this.files.putUnit(unit, files);
    let changed = false;
    for (const f of files) changed = (await this.files.put(f.output, f.bytes)) || changed;
    return changed;
  }

  async present(o: Output): Promise<boolean> {
    return this.entries.has(o.cfg) ? this.values.has(o.cfg) : this.files.present(o);
  }

  /** Every env variable's current value; throws when two prefixes export one name. */
  environment(): Map<string, string> {
    return mergeEnv([...this.values].map(([cfg, v]) => ({ entry: this.entries.get(cfg)!, vars: v.vars })));
  }

  /** The entry an env output came from (for its onChange). */
  entryOf(o: Output): EnvEntry | undefined {
    return this.entries.get(o.cfg);
  }
}
