import { RenderError, VaultAuthError, VaultNotFoundError } from "../errors.js";
import { renderSecret } from "../render/index.js";
import { classifyResponse, kv2MetadataPath, type Fetched } from "../vault/secrets.js";
import type { FetchContext, Output, Rendered, RenderedFile, Source } from "./source.js";

/** What is known about a path from earlier reads; carried across reloads. */
export interface VaultPathMemory {
  kind?: Fetched["kind"];
  version?: number;
  /** KV v2 metadata path, or null when metadata cannot be read (policy) and data is re-read instead. */
  metadataPath?: string | null;
}

/**
 * One Vault path and every file rendered from it. Files of one path share one read, so
 * files from a dynamic secret always hold the same credentials (one lease).
 */
export class VaultPathSource implements Source {
  kind: Fetched["kind"] | undefined;
  private version: number | undefined;
  private metadataPath: string | null | undefined;
  /** Metadata refused by policy with the token of this generation; asked again after a new login. */
  private metadataDenied: { path: string; generation: number } | undefined;

  constructor(
    readonly id: string,
    readonly path: string,
    readonly outputs: Output[],
    public refreshMs: number,
    memory: VaultPathMemory = {},
  ) {
    this.kind = memory.kind;
    this.version = memory.version;
    this.metadataPath = memory.metadataPath;
  }

  get label(): string {
    return this.path;
  }

  get memory(): VaultPathMemory {
    return { kind: this.kind, version: this.version, metadataPath: this.metadataPath };
  }

  /** Reads the path once and renders every file from it, all in memory. */
  async fetch({ client, revokeUnused }: FetchContext): Promise<Rendered> {
    let body: unknown;
    try {
      body = await client.read(this.path);
    } catch (err) {
      if (err instanceof VaultNotFoundError) throw new RenderError("MISSING_SECRET", `${this.path}: no secret at this path (HTTP 404)`);
      throw err;
    }
    let fetched = classifyResponse(this.path, this.path, body);
    if (fetched.kind === "kv2" && this.metadataPath === undefined) {
      // Ask which mount serves the path: it names the metadata path and settles KV v1 data that merely looks like v2.
      const mount = await client.mountOf(this.path);
      if (mount?.version === "1") {
        fetched = classifyResponse(this.path, this.path, body, "1");
        this.metadataPath = null;
      } else {
        this.metadataPath = kv2MetadataPath(this.path, mount?.path) ?? null;
      }
    }
    let files: RenderedFile[];
    try {
      files = this.outputs.map((output) => ({
        output,
        bytes: renderSecret({ format: output.cfg.format, key: output.cfg.key, template: output.cfg.template, label: output.label }, fetched.data),
      }));
    } catch (err) {
      // Credentials we cannot use should not outlive this attempt.
      if (fetched.kind === "leased") revokeUnused(fetched.leaseId);
      throw err;
    }
    if (fetched.kind === "leased") {
      return { kind: "leased", files, expiry: { leaseId: fetched.leaseId, durationSec: fetched.leaseDuration, renewable: fetched.renewable } };
    }
    // KV v1's advisory 768h lease is ignored on purpose: KV is re-read on our own interval.
    return { kind: fetched.kind, files, version: fetched.kind === "kv2" ? fetched.version : undefined };
  }

  /** KV v2 only: the metadata's current_version still equals the version we rendered. */
  async unchanged({ client, generation, deniedByPolicy }: FetchContext): Promise<boolean> {
    // Metadata was denied with an earlier token: a new token may be allowed (or the old one was dead).
    if (this.metadataDenied && generation !== undefined && generation !== this.metadataDenied.generation) {
      this.metadataPath = this.metadataDenied.path;
      this.metadataDenied = undefined;
    }
    if (this.kind !== "kv2" || !this.metadataPath) return false;
    const path = this.metadataPath;
    const meta = await client.read(path, "read_metadata").catch(async (err) => {
      // A policy without metadata access: fall back to re-reading data every interval. A 403 is
      // the policy's answer only when the token is known alive; else the data read decides.
      if (err instanceof VaultNotFoundError) {
        this.metadataPath = null;
        return undefined;
      }
      if (err instanceof VaultAuthError) {
        if ((await deniedByPolicy?.()) ?? true) {
          this.metadataPath = null;
          this.metadataDenied = { path, generation: generation ?? 0 };
        }
        return undefined;
      }
      throw err;
    });
    return meta !== undefined && Number(meta?.data?.current_version) === this.version;
  }

  adopted(result: Rendered): void {
    this.kind = result.kind as Fetched["kind"];
    if (result.kind === "kv2") this.version = result.version;
  }
}
