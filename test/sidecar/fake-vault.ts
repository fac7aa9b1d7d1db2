import http from "node:http";
import https from "node:https";
import { randomBytes } from "node:crypto";

/**
 * A deliberately small server that answers with the response shapes documented at
 * developer.hashicorp.com/vault/api-docs (not vault-dev's), so the sidecar is also
 * checked against "real Vault" shapes. Only what the sidecar uses.
 */
export interface FakeVault {
  url: string;
  roleId: string;
  secretId: string;
  kv2: Map<string, { versions: Record<string, unknown>[] }>;
  kv1: Map<string, Record<string, unknown>>;
  requests: string[];
  headers: http.IncomingHttpHeaders[];
  tokens: Set<string>;
  close(): Promise<void>;
}

const rid = () => randomBytes(8).toString("hex");

export async function startFakeVault(opts: { tls?: { key: string; cert: string } } = {}): Promise<FakeVault> {
  const state: Omit<FakeVault, "url" | "close"> = {
    roleId: `role-${rid()}`,
    secretId: `sid-${rid()}`,
    kv2: new Map(),
    kv1: new Map(),
    requests: [],
    headers: [],
    tokens: new Set(),
  };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      const p = url.pathname.replace(/^\/v1\//, "");
      state.requests.push(`${req.method} ${p}`);
      state.headers.push(req.headers);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const body = raw ? JSON.parse(raw) : {};
      const envelope = (data: unknown, extra: Record<string, unknown> = {}) => ({
        request_id: rid(),
        lease_id: "",
        renewable: false,
        lease_duration: 0,
        data,
        wrap_info: null,
        warnings: null,
        auth: null,
        ...extra,
      });
      if (p === "auth/approle/login" && req.method === "POST") {
        if (body.role_id !== state.roleId || body.secret_id !== state.secretId) return send(400, { errors: ["invalid role or secret ID"] });
        const token = `hvs.${rid()}`;
        state.tokens.add(token);
        return send(
          200,
          envelope(null, {
            auth: {
              client_token: token,
              accessor: rid(),
              policies: ["default"],
              token_policies: ["default"],
              metadata: { role_name: "app" },
              lease_duration: 1200,
              renewable: true,
              entity_id: rid(),
              token_type: "service",
              orphan: true,
            },
          }),
        );
      }
      const token = req.headers["x-vault-token"];
      if (typeof token !== "string" || !state.tokens.has(token)) return send(403, { errors: ["permission denied"] });
      const mountMatch = /^sys\/internal\/ui\/mounts\/(.*)$/.exec(p);
      if (mountMatch) {
        const mount = mountMatch[1].split("/")[0];
        const version = mount === "secret" ? "2" : "1";
        return send(
          200,
          envelope({
            accessor: `kv_${rid()}`,
            config: {},
            description: "",
            local: false,
            options: { version },
            path: `${mount}/`,
            seal_wrap: false,
            type: "kv",
            uuid: rid(),
          }),
        );
      }
      if (p.startsWith("secret/data/")) {
        const s = state.kv2.get(p.slice("secret/data/".length));
        if (!s) return send(404, { errors: [] });
        const v = s.versions.length;
        return send(
          200,
          envelope({
            data: s.versions[v - 1],
            metadata: { created_time: new Date().toISOString(), custom_metadata: null, deletion_time: "", destroyed: false, version: v },
          }),
        );
      }
      if (p.startsWith("secret/metadata/")) {
        const s = state.kv2.get(p.slice("secret/metadata/".length));
        if (!s) return send(404, { errors: [] });
        return send(
          200,
          envelope({
            cas_required: false,
            created_time: "",
            current_version: s.versions.length,
            max_versions: 0,
            oldest_version: 0,
            updated_time: "",
            versions: {},
          }),
        );
      }
      if (p.startsWith("kv/")) {
        const s = state.kv1.get(p.slice(3));
        if (!s) return send(404, { errors: [] });
        return send(200, envelope(s, { lease_duration: 2764800 }));
      }
      if (p === "auth/token/lookup-self") return send(200, envelope({ ttl: 1200, renewable: true }));
      if (p === "auth/token/renew-self")
        return send(200, envelope(null, { auth: { client_token: token, lease_duration: 1200, renewable: true, policies: ["default"] } }));
      send(404, { errors: [] });
    });
  };
  const server = opts.tls ? https.createServer(opts.tls, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    ...state,
    url: `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  } as FakeVault;
}
