import type { NotifyConfig, SidecarConfig } from "../config/schema.js";
import { hash } from "../connection.js";
import type { Logger } from "../log.js";
import { Notifier } from "../notify/index.js";
import type { Run } from "../pipeline/runtime.js";
import type { Clock } from "../schedule/clock.js";
import type { SidecarMetrics } from "../server/metrics.js";
import { loadTemplateEngine } from "../render/index.js";
import type * as Pki from "./pki.js";
import type { CertOutput } from "./pki.js";
import { VaultPathSource } from "./vault-path.js";

let pki: typeof Pki | undefined;

/**
 * Loads the code `config` needs beyond KV reads, each its own chunk in the bundle: the PKI
 * source (x509 parsing) when a secret has `issue`, mustache when one has a template. Call it
 * before buildRuns with that config (at start and before a reload swaps).
 */
export async function loadSourceKinds(config: SidecarConfig): Promise<void> {
  if (config.secrets.some((s) => s.issue)) pki ??= await import("./pki.js");
  if (config.secrets.some((s) => s.format === "template")) await loadTemplateEngine();
}

/**
 * Groups `secrets` by Vault path into runs. From `previous` (a reload) it keeps what is known
 * about paths and files that did not change: KV version, lease, failing state, written files.
 */
export function buildRuns(config: SidecarConfig, deps: { clock: Clock; log: Logger; metrics: SidecarMetrics }, previous?: Map<string, Run>): Map<string, Run> {
  const notifiers = new Map<string, Notifier>();
  const notifierFor = (cfg: NotifyConfig) => {
    const k = hash(cfg);
    let n = notifiers.get(k);
    if (!n) notifiers.set(k, (n = new Notifier(cfg, deps)));
    return n;
  };
  const global = config.notify ? notifierFor(config.notify) : undefined;
  const written = new Set<string>();
  for (const r of previous?.values() ?? []) for (const o of r.source.outputs) if (o.written) written.add(o.id);
  const out = new Map<string, Run>();
  for (const cfg of config.secrets) {
    if (cfg.issue) {
      if (!pki) throw new Error("internal: loadSourceKinds(config) before buildRuns");
      // A certificate is its own source: one issue, all its files one unit.
      const { notify, refreshInterval, ...identity } = cfg;
      const id = hash({ issue: identity, vault: hash(config.vault) });
      const prev = previous?.get(id);
      const outputs: CertOutput[] = pki.certOutputs(cfg, config.output.mode).map(({ part, cfg: fileCfg }) => {
        const oid = hash({ identity: { ...identity, part, file: fileCfg.file }, out: { ...config.output, removeOnExit: undefined } });
        return {
          cfg: fileCfg,
          part,
          id: oid,
          label: `${cfg.path} → ${fileCfg.file}`,
          notifier: notify ? notifierFor(notify) : global,
          written: written.has(oid),
          unit: { name: cfg.group },
        };
      });
      const source = new pki.PkiSource(id, cfg, outputs, refreshInterval ?? config.defaults.refreshInterval, () => config.output.dir, deps.clock);
      out.set(id, { source, lease: prev?.lease, attempt: 0, failingSince: prev?.failingSince });
      continue;
    }
    const id = hash({ path: cfg.path, vault: hash(config.vault) });
    let run = out.get(id);
    if (!run) {
      const prev = previous?.get(id);
      const memory = prev?.source instanceof VaultPathSource ? prev.source.memory : {};
      run = { source: new VaultPathSource(id, cfg.path, [], Infinity, memory), lease: prev?.lease, attempt: 0, failingSince: prev?.failingSince };
      out.set(id, run);
    }
    const source = run.source as VaultPathSource;
    const { notify, refreshInterval, ...identity } = cfg;
    const oid = hash({ identity, out: { ...config.output, removeOnExit: undefined } });
    source.outputs.push({
      cfg,
      id: oid,
      label: `${cfg.path} → ${cfg.file}`,
      notifier: notify ? notifierFor(notify) : global,
      written: written.has(oid),
      unit: cfg.group !== undefined ? { name: cfg.group } : undefined,
    });
    source.refreshMs = Math.min(source.refreshMs, refreshInterval ?? config.defaults.refreshInterval);
  }
  return out;
}
