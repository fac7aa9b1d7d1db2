import { describe, expect, it, vi } from "vitest";
import { pino } from "pino";
import type { Clock } from "../schedule/clock.js";
import { parseConfigText } from "../config/load.js";
import { ChangeDebouncer } from "./changes.js";
import { EnvSink, withEnvOutputs } from "./env-sink.js";
import { childEnv, mergeEnv, renderEnvEntry, type EnvEntry } from "./environment.js";
import { pid1Warning } from "./pid1.js";

const log = pino({ level: "silent" });
const clock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  random: () => 0.5,
};

describe("ChangeDebouncer", () => {
  it("coalesces a burst into one action; restart beats signal; none does nothing", async () => {
    vi.useFakeTimers();
    try {
      const applied: Array<[string, string[]]> = [];
      const d = new ChangeDebouncer({ debounceMs: 1000, clock, log, apply: (a, c) => applied.push([a, c]) });
      d.change("A", "signal");
      await vi.advanceTimersByTimeAsync(600);
      d.change("B", "restart");
      d.change("C", "none");
      await vi.advanceTimersByTimeAsync(600);
      expect(applied).toEqual([]);
      await vi.advanceTimersByTimeAsync(400);
      expect(applied).toEqual([["restart", ["A", "B"]]]);
      d.change("A", "signal");
      await vi.advanceTimersByTimeAsync(1000);
      expect(applied[1]).toEqual(["signal", ["A"]]);
      d.change("C", "none");
      await vi.advanceTimersByTimeAsync(5000);
      expect(applied).toHaveLength(2);
      d.change("A", "restart");
      d.stop();
      await vi.advanceTimersByTimeAsync(5000);
      expect(applied).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("env rendering", () => {
  const e = (name: string, key?: string): EnvEntry => ({ name, path: "secret/data/app/db", key });

  it("exports one key by name, or every key with a prefix", () => {
    expect([...renderEnvEntry(e("DB_PASSWORD", "password"), { password: "pw", user: "u" })]).toEqual([["DB_PASSWORD", "pw"]]);
    expect([...renderEnvEntry(e("DB_*"), { password: "pw", port: 5432, opts: { a: 1 } })]).toEqual([
      ["DB_password", "pw"],
      ["DB_port", "5432"],
      ["DB_opts", '{"a":1}'],
    ]);
  });

  it("errors name keys and variables, never values", () => {
    const value = "s3cr3t-value-xyz";
    const messages: string[] = [];
    for (const [entry, data] of [
      [e("DB_PASSWORD", "password"), { user: value }],
      [e("DB_*"), { "bad-key": value }],
      [e("DB_PASSWORD", "password"), { password: `a\0${value}` }],
      [e("DB_*"), {}],
    ] as const) {
      try {
        renderEnvEntry(entry, data as Record<string, unknown>);
        messages.push("no error");
      } catch (err) {
        messages.push((err as Error).message);
      }
    }
    expect(messages[0]).toMatch(/key "password" not found in the secret \(it has 1 key\)/);
    expect(messages[1]).toMatch(/key "bad-key" does not make a valid environment variable name/);
    expect(messages[2]).toMatch(/DB_PASSWORD contains a NUL byte/);
    expect(messages[3]).toMatch(/has no keys/);
    for (const m of messages) expect(m).not.toContain(value);
  });

  it("a named entry beats a wildcard; two wildcards on one name is an error", () => {
    const merged = mergeEnv([
      {
        entry: e("A_*"),
        vars: new Map([
          ["A_x", "wild"],
          ["A_y", "y"],
        ]),
      },
      { entry: e("A_x", "x"), vars: new Map([["A_x", "named"]]) },
    ]);
    expect(Object.fromEntries(merged)).toEqual({ A_x: "named", A_y: "y" });
    expect(() =>
      mergeEnv([
        { entry: e("A_*"), vars: new Map([["A_B_c", "1"]]) },
        { entry: e("A_B_*"), vars: new Map([["A_B_c", "2"]]) },
      ]),
    ).toThrow(/A_B_c is exported by both A_\* and A_B_\*/);
  });

  it("the child's environment has the secrets but not stowaway's VAULT_TOKEN", () => {
    const env = childEnv({ PATH: "/bin", VAULT_TOKEN: "t", VAULT_ADDR: "http://v" }, new Map([["DB_PASSWORD", "pw"]]));
    expect(env).toEqual({ PATH: "/bin", VAULT_ADDR: "http://v", DB_PASSWORD: "pw" });
  });
});

describe("pid1Warning", () => {
  it("warns only as PID 1, naming docker run --init and tini", () => {
    expect(pid1Warning(4242)).toBeUndefined();
    expect(pid1Warning(1)).toMatch(/PID 1 without an init.*docker run --init.*tini/);
  });
});

describe("EnvSink", () => {
  it("keeps env outputs in memory, passes files on, reports a change only when the bytes change, and refuses bad values before keeping them", async () => {
    const res = parseConfigText(
      "vault: { address: http://127.0.0.1:8200, auth: { method: token, tokenFile: /t } }\noutput: { dir: /run/x }\nenv:\n  DB_PASSWORD: { path: secret/data/db, key: password }\n  DB_*: { path: secret/data/db }\nsecrets:\n  - { path: secret/data/db, file: db.env }\n",
      {},
    );
    if (!res.ok) throw new Error(JSON.stringify(res.errors));
    const { config, entries } = withEnvOutputs(res.config, "c.yaml");
    expect(config.secrets.map((s) => s.file)).toEqual(["db.env", "env:DB_PASSWORD", "env:DB_*"]);
    const files: string[] = [];
    const fileSink = {
      put: async (o: { cfg: { file: string } }) => {
        files.push(o.cfg.file);
        return true;
      },
      present: async () => true,
    };
    const sink = new EnvSink(fileSink, entries);
    const out = (i: number) => ({ cfg: config.secrets[i], id: String(i), label: "l", written: false });
    expect(await sink.put(out(0), Buffer.from("password=x\n"))).toBe(true);
    expect(files).toEqual(["db.env"]);
    expect(await sink.present(out(1))).toBe(false);
    expect(await sink.put(out(1), Buffer.from('{"password":"one"}'))).toBe(true);
    expect(await sink.put(out(1), Buffer.from('{"password":"one"}'))).toBe(false);
    expect(await sink.put(out(2), Buffer.from('{"password":"one","user":"u"}'))).toBe(true);
    expect(Object.fromEntries(sink.environment())).toEqual({ DB_PASSWORD: "one", DB_password: "one", DB_user: "u" });
    await expect(sink.put(out(2), Buffer.from('{"bad-key":"two"}'))).rejects.toThrow(/does not make a valid environment variable name/);
    expect(Object.fromEntries(sink.environment())).toEqual({ DB_PASSWORD: "one", DB_password: "one", DB_user: "u" });
    expect(files).toEqual(["db.env"]);
    expect(sink.entryOf(out(1))?.name).toBe("DB_PASSWORD");
    // Grouped files (and certificates) reach the file sink as one unit.
    const units: Array<string | undefined> = [];
    const putUnit = async (u: string | undefined) => {
      units.push(u);
      return true;
    };
    const unitSink = new EnvSink({ ...fileSink, putUnit }, entries);
    expect(await unitSink.putUnit("g", [{ output: out(0), bytes: Buffer.from("x") }])).toBe(true);
    expect(units).toEqual(["g"]);
    expect(() => withEnvOutputs({ ...config, secrets: [{ ...config.secrets[0], file: "env:X" }] }, "c.yaml")).toThrow(/reserved for env: entries/);
  });
});
