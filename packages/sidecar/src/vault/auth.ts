import { readFile } from "node:fs/promises";
import type { AuthConfig } from "../config/schema.js";
import type { Env } from "../config/load.js";
import { AuthFileError, SidecarError, VaultAuthError, VaultRequestError } from "../errors.js";
import type { LoginResult, VaultClient } from "./client.js";

/** A login's result; `lookupSelfDenied` when the token method could not look its token up (policy without `default`). */
export interface AuthResult extends LoginResult {
  lookupSelfDenied?: boolean;
}

/** A way to get a token. Credential files are re-read at every login (projected tokens rotate). */
export interface Authenticator {
  readonly method: AuthConfig["method"];
  login(client: VaultClient): Promise<AuthResult>;
}

export { AuthFileError };

async function readCredential(file: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new AuthFileError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
  const value = text.trim();
  if (!value) throw new AuthFileError(`${what} ${file} is empty`);
  return value;
}

export function createAuthenticator(auth: AuthConfig, env: Env): Authenticator {
  switch (auth.method) {
    case "token":
      return {
        method: "token",
        async login(client) {
          const token = auth.tokenFile ? await readCredential(auth.tokenFile, "tokenFile") : env.VAULT_TOKEN;
          if (!token) throw new AuthFileError("no token: set vault.auth.tokenFile or VAULT_TOKEN");
          client.token = token;
          // lookup-self both validates the token and tells us when it expires. A policy without
          // `default` denies it (403, the same answer as a bad token): the token is then taken as
          // valid with an unknown TTL, and the reads themselves show whether it works.
          try {
            const self = await client.lookupSelf();
            return { token, ttl: self.ttl, renewable: self.renewable };
          } catch (err) {
            if (err instanceof VaultAuthError) return { token, ttl: 0, renewable: false, lookupSelfDenied: true };
            throw err;
          }
        },
      };
    case "approle": {
      // A wrapping token can be unwrapped once: the secret id it held is kept (in memory only) for
      // later logins, until the file holds a different wrapping token.
      let unwrapped: { wrapToken: string; secretId: string } | undefined;
      const secretId = async (client: VaultClient): Promise<string> => {
        const text = await readCredential(auth.secretIdFile!, "secretIdFile");
        if (!auth.secretIdWrapped) return text;
        if (unwrapped?.wrapToken === text) return unwrapped.secretId;
        let data: Record<string, unknown>;
        try {
          data = await client.unwrap(text);
        } catch (err) {
          if (err instanceof VaultRequestError || err instanceof VaultAuthError) {
            throw new SidecarError(
              "UNWRAP_FAILED",
              `cannot unwrap the secret id in ${auth.secretIdFile} (used already, expired or not a wrapping token): ${err.message}`,
              true,
            );
          }
          throw err;
        }
        const id = typeof data.secret_id === "string" ? data.secret_id : "";
        if (!id) throw new SidecarError("UNWRAP_FAILED", `the wrapping token in ${auth.secretIdFile} did not hold a secret_id`, true);
        client.addScrub(id);
        unwrapped = { wrapToken: text, secretId: id };
        return id;
      };
      return {
        method: "approle",
        async login(client) {
          const roleId = auth.roleId ?? (await readCredential(auth.roleIdFile!, "roleIdFile"));
          const payload: Record<string, string> = { role_id: roleId };
          if (auth.secretIdFile) payload.secret_id = await secretId(client);
          return client.login("approle", auth.mount ?? "approle", payload);
        },
      };
    }
    case "kubernetes":
    case "jwt":
      return {
        method: auth.method,
        async login(client) {
          const jwt = await readCredential(auth.jwtFile, "jwtFile");
          return client.login(auth.method, auth.mount ?? auth.method, { role: auth.role, jwt });
        },
      };
  }
}
