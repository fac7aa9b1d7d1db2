import type { SecretConfig } from "../config/schema.js";
import type { Notifier } from "../notify/index.js";
import type { VaultClient } from "../vault/client.js";

/**
 * # The source contract
 *
 * A source is one thing the sidecar keeps current, and every output rendered from it. Today's
 * source is one Vault path (`VaultPathSource`: KV v1, KV v2 or a dynamic secret); a PKI
 * certificate source (issue through a write, render certificate, key and chain as one unit) and
 * the consumers of `stowaway exec` plug in here. The pipeline drives a source; a source never
 * writes, schedules or keeps leases itself.
 *
 * - `fetch(ctx)` reads (or issues, through `ctx.client.write`) and renders every output in
 *   memory. It throws typed `SidecarError`s. If it created credentials and then fails (say a
 *   missing key), it hands their lease to `ctx.revokeUnused` before throwing.
 * - `unchanged(ctx)`, optional: a cheap check that what was fetched last is still current (KV v2
 *   compares the metadata version). `true` skips the fetch; without it every poll fetches.
 * - The `Rendered` result decides the schedule (see `leases/keeper.ts`):
 *   - `expiry` with a lease `id` that is renewable: renewed at ~2/3 of the TTL left; once a
 *     renewal comes back capped (max TTL near) or fails, fetched again; the old lease is revoked
 *     after `defaults.revokeOld`. With `id` and lookups allowed, it is also looked up every
 *     `refreshMs`, so a lease revoked out of band is noticed.
 *   - `expiry` that cannot be renewed (no `id`, or not renewable; e.g. a certificate whose
 *     `expiresAt` is its notAfter): fetched again at ~2/3 of the time left.
 *   - no `expiry` (KV): polled every `refreshMs` (±10%), the first poll at a random phase.
 * - `outputs` are stored as one unit after a successful render: nothing is stored unless all
 *   rendered. Where they go is the pipeline's `Sink` (files in `output.dir` by default; an exec
 *   consumer can keep env values in memory). Consumers learn of changes through the pipeline's
 *   change listeners (`Pipeline.onChange`), which name the changed outputs, never their bytes.
 */
export interface Source {
  /** Stable across reloads while the source means the same thing. */
  readonly id: string;
  /** What logs name it by (a Vault path). Never holds a value. */
  readonly label: string;
  readonly outputs: Output[];
  /** How often to poll or look the lease up, in ms: the shortest refreshInterval of its outputs. */
  readonly refreshMs: number;
  fetch(ctx: FetchContext): Promise<Rendered>;
  unchanged?(ctx: FetchContext): Promise<boolean>;
  /** Called once a result was adopted (its outputs stored), to remember what `unchanged` needs. */
  adopted?(result: Rendered): void;
  /** Kind of the last adopted result ("kv2", "leased", …), for logs; undefined before the first. */
  readonly kind: string | undefined;
  /** Failures make the sidecar unready only once the result expired (a certificate serves until its notAfter). */
  readonly readyUntilExpiry?: boolean;
}

export interface FetchContext {
  client: VaultClient;
  /** Best-effort revoke of a lease nobody will use (logged, never thrown). */
  revokeUnused(leaseId: string): void;
  /** The token's login count (TokenManager.generation): policy answers are re-asked after a new login. */
  generation?: number;
  /** After a 403: true when the policy said no (the token is alive); see TokenManager.deniedByPolicy. */
  deniedByPolicy?(): Promise<boolean>;
}

/** One output of a source: a file today. */
export interface Output {
  cfg: SecretConfig;
  /** Identity across reloads: same file, format, key, template, mode and owner. */
  id: string;
  label: string;
  notifier?: Notifier;
  /** Stored (or found up to date) at least once by this process. */
  written: boolean;
  /** Outputs with the same unit are published together (write/unit.ts); `name` undefined is the directory's `..data`. */
  unit?: { name?: string };
}

export interface RenderedFile {
  output: Output;
  bytes: Buffer;
}

export interface Rendered {
  kind: string;
  files: RenderedFile[];
  /** KV v2 version, for logs and the version metric. */
  version?: number;
  /** Set when the result stops being valid: a lease, a certificate's notAfter. */
  expiry?: Expiry;
  /** A certificate's notAfter (ms) and serial, for the expiry gauge and logs. */
  certificate?: { notAfter: number; serial: string };
}

export interface Expiry {
  /** Vault lease id, when there is one to renew, look up and revoke. */
  leaseId?: string;
  /** Seconds granted at fetch. */
  durationSec: number;
  renewable: boolean;
  /** When to fetch again (ms since the epoch), instead of at ~2/3 of the time left: a certificate's renewBefore. */
  renewAt?: number;
  /** How to revoke the result once replaced, when it has no lease (pki/revoke with its serial), and after how long. */
  revoke?: { path: string; body: Record<string, unknown>; afterMs: number; label: string };
}
