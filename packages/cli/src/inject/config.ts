import { readFileSync } from "node:fs";
import { parseConfigText, type SidecarConfig } from "@stowaway/sidecar";
import { InjectError } from "./errors.js";

/** Where the sidecar reads its configuration inside its container, in compose and Kubernetes alike. */
export const CONFIG_MOUNT_DIR = "/etc/stowaway";
export const CONFIG_MOUNT_PATH = `${CONFIG_MOUNT_DIR}/sidecar.yaml`;
export const DEFAULT_IMAGE = "ghcr.io/stowaway/sidecar:0.1.0";
/** The image's own user (packages/sidecar/Dockerfile). */
export const IMAGE_UID = 65532;

/** What injection needs to know about a sidecar configuration. */
export interface SidecarPlan {
  /** The configuration file's text, as written (it becomes a ConfigMap verbatim). */
  text: string;
  config: SidecarConfig;
  /** The port of /healthz and /readyz, and the loopback address to ask them on. */
  port: number;
  host: string;
  /** Some notify block sends a signal: the sidecar must see the app's processes. */
  signals: boolean;
  /** The user to run the sidecar as: output.uid:gid when set, so that it can chown and signal without capabilities. */
  uid: number;
  gid: number;
  /** Things the config itself should fix, whatever the target (compose or Kubernetes). */
  warnings: string[];
}

/**
 * Reads and validates the sidecar configuration with the sidecar's own schema, so that a broken
 * config is refused here rather than in a crash-looping container.
 */
export function readSidecarConfig(file: string, shownAs: string): SidecarPlan {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new InjectError(`cannot read sidecar config ${shownAs}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  // Stand-ins for variables the container may set: only validation sees them, never the output.
  const res = parseConfigText(text, { VAULT_ADDR: "http://vault.invalid:8200", VAULT_TOKEN: "stand-in" });
  if (!res.ok) {
    const lines = res.errors.map((e) => `  ${e.key || "(root)"}${e.line ? ` (line ${e.line})` : ""}: ${e.message}`);
    throw new InjectError(`invalid sidecar config ${shownAs}:\n${lines.join("\n")}`);
  }
  const config = res.config;
  if (config.listen === false) {
    throw new InjectError(`sidecar config ${shownAs} sets listen: false, but injection checks readiness on /readyz; set listen (default 127.0.0.1:8099)`);
  }
  const port = Number(/(\d+)$/.exec(config.listen.address)?.[1]);
  const host = config.listen.address.startsWith("[::1]") ? "[::1]" : "127.0.0.1";
  const notifies = [config.notify, ...config.secrets.map((s) => s.notify)];
  const signals = notifies.some((n) => n?.signal !== undefined);
  const uid = config.output.uid ?? IMAGE_UID;
  const gid = config.output.gid ?? config.output.uid ?? IMAGE_UID;
  if (uid === 0) {
    throw new InjectError(
      `sidecar config ${shownAs} sets output.uid 0, which would run the sidecar as root; a root app can read files owned by the sidecar's own user (${IMAGE_UID}), so leave output.uid unset`,
    );
  }
  return { text, config, port, host, signals, uid, gid, warnings: certificateWarnings(config) };
}

/**
 * A certificate (secrets[].issue) is re-issued before it expires; an app that is never told keeps
 * serving the old one until its handshakes fail.
 */
function certificateWarnings(config: SidecarConfig): string[] {
  return config.secrets.flatMap((s, i) =>
    s.issue && !s.notify && !config.notify
      ? [
          `secrets[${i}] (${s.path}) issues a certificate, but no notify tells the app to reload it: add notify (signal or http), or the app serves the old certificate until it expires`,
        ]
      : [],
  );
}

/** A probe command that asks the sidecar on loopback; `node` is in the image, wget and curl may not be. */
export function probeCommand(plan: Pick<SidecarPlan, "host" | "port">, path: "/readyz" | "/healthz"): string[] {
  return ["node", "-e", `fetch("http://${plan.host}:${plan.port}${path}").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`];
}
