/** A tiny fetch-based Vault client for the contract tests: status, parsed body, headers. */
export interface Res {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export interface Target {
  url: string;
  token: string;
}

export function client(target: () => Target) {
  const call = async (
    method: string,
    path: string,
    opts: { token?: string | null; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
  ): Promise<Res> => {
    const t = target();
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token === undefined ? t.token : opts.token;
    if (token !== null) headers["X-Vault-Token"] = token;
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["Content-Type"] ??= "application/json";
    }
    const r = await fetch(`${t.url}/v1/${path.replace(/^\//, "")}`, { method, headers, body });
    const text = await r.text();
    let parsed: unknown = null;
    if (text.trim() !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    return { status: r.status, body: parsed, text, headers: r.headers };
  };
  return {
    call,
    get: (path: string, o?: Parameters<typeof call>[2]) => call("GET", path, o),
    post: (path: string, body?: unknown, o?: Parameters<typeof call>[2]) => call("POST", path, { ...o, body }),
    put: (path: string, body?: unknown, o?: Parameters<typeof call>[2]) => call("PUT", path, { ...o, body }),
    del: (path: string, o?: Parameters<typeof call>[2]) => call("DELETE", path, o),
    list: (path: string, o?: Parameters<typeof call>[2]) => call("LIST", path, o),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The envelope keys every logical response carries (mount_type only on Vault ≥ 1.15). */
export const ENVELOPE_KEYS = ["request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings", "auth"];
