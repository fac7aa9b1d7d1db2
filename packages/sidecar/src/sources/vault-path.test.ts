/** KV v2 metadata under a tight policy: a 403 is the policy's answer only when the token is known alive. */
import { describe, expect, it } from "vitest";
import { VaultAuthError } from "../errors.js";
import type { VaultClient } from "../vault/client.js";
import type { FetchContext } from "./source.js";
import { VaultPathSource } from "./vault-path.js";

function setup(metadata: () => unknown) {
  const reads: string[] = [];
  const client = {
    async read(path: string) {
      reads.push(path);
      const r = metadata();
      if (r instanceof Error) throw r;
      return r;
    },
  } as unknown as VaultClient;
  const source = new VaultPathSource("s", "secret/data/app/db", [], 1000, { kind: "kv2", version: 3, metadataPath: "secret/metadata/app/db" });
  const ctx = (generation: number, policy: boolean): FetchContext => ({ client, revokeUnused: () => {}, generation, deniedByPolicy: async () => policy });
  return { source, reads, ctx };
}

const denied = () => new VaultAuthError("read secret/metadata/app/db: HTTP 403: permission denied", { status: 403, path: "secret/metadata/app/db" });

describe("VaultPathSource.unchanged under a policy without metadata", () => {
  it("a 403 while the token is alive: data is re-read from then on, and metadata asked again after a new login", async () => {
    let answer: () => unknown = denied;
    const s = setup(() => answer());
    expect(await s.source.unchanged(s.ctx(1, true))).toBe(false);
    expect(await s.source.unchanged(s.ctx(1, true))).toBe(false);
    expect(s.reads).toEqual(["secret/metadata/app/db"]); // not asked again with the same token
    answer = () => ({ data: { current_version: 3 } });
    expect(await s.source.unchanged(s.ctx(2, true))).toBe(true); // a new login: asked again, and now allowed
    expect(s.reads).toHaveLength(2);
  });

  it("a 403 from a token that is gone is not taken as the policy: metadata is asked again", async () => {
    const s = setup(denied);
    expect(await s.source.unchanged(s.ctx(1, false))).toBe(false);
    expect(await s.source.unchanged(s.ctx(1, false))).toBe(false);
    expect(s.reads).toEqual(["secret/metadata/app/db", "secret/metadata/app/db"]);
  });
});
