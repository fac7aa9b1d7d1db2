import { readFile } from "node:fs/promises";
import type { AuthConfig } from "../config/schema.js";
import type { Env } from "../config/load.js";
import { AuthFileError } from "../errors.js";
import type { LoginResult, VaultClient } from "./client.js";

/** A way to get a token. Credential files are re-read at every login (projected tokens rotate). */
export interface Authenticator {
  readonly method: AuthConfig["method"];
  login(client: VaultClient): Promise<LoginResult>;
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
          // lookup-self both validates the token and tells us when it expires.
          const self = await client.lookupSelf();
          return { token, ttl: self.ttl, renewable: self.renewable };
        },
      };
    case "approle":
      return {
        method: "approle",
        async login(client) {
          const roleId = auth.roleId ?? (await readCredential(auth.roleIdFile!, "roleIdFile"));
          const payload: Record<string, string> = { role_id: roleId };
          if (auth.secretIdFile) payload.secret_id = await readCredential(auth.secretIdFile, "secretIdFile");
          return client.login("approle", auth.mount ?? "approle", payload);
        },
      };
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
