import { pino, type Logger } from "pino";
import { errorFields } from "./errors.js";

export type { Logger };

/**
 * Redaction is the second line of defence: the code never passes values or tokens to the
 * logger, but if a field with one of these names slips in, at the top of a log line or one level
 * down (pino's paths `name` and `*.name`), it is censored.
 */
export const REDACT_KEYS: ReadonlySet<string> = new Set([
  "token",
  "client_token",
  "secret_id",
  "secretId",
  "jwt",
  "password",
  "value",
  "data",
  "body",
  "headers",
  "config",
  "request",
  "response",
]);
const CENSOR = "[redacted]";

/**
 * The log line's fields with every REDACT_KEYS field at the top and one level down censored.
 * pino's own `redact` option did the same, but it parses each of its paths again for every field
 * of every line (@pinojs/redact): about 20 kB of garbage a line, a quarter of everything the
 * sidecar allocates while it renders 1,000 secrets. Here a line without such a field is passed
 * through as it is, and only objects that hold one are copied.
 */
export function redactFields(obj: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in obj) {
    // `err` is left to its serializer (errorFields), which keeps only type, code and message.
    if (!Object.hasOwn(obj, key) || key === "err") continue;
    const v = obj[key];
    if (v === undefined) continue; // pino leaves the field out
    const next = REDACT_KEYS.has(key) ? CENSOR : censorOneLevel(v);
    if (next !== v) {
      out ??= copyOf(obj);
      out[key] = next;
    }
  }
  return out ?? obj;
}

/** `v` itself, or a copy with its REDACT_KEYS fields censored (`*.name`). */
function censorOneLevel(v: unknown): unknown {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
  let out: Record<string, unknown> | undefined;
  for (const key in v) if (Object.hasOwn(v, key) && REDACT_KEYS.has(key)) (out ??= copyOf(v as Record<string, unknown>))[key] = CENSOR;
  return out ?? v;
}

/** Own enumerable fields on an object of the same prototype (what JSON.stringify then sees). */
function copyOf(o: Record<string, unknown>): Record<string, unknown> {
  const c = Object.create(Object.getPrototypeOf(o)) as Record<string, unknown>;
  for (const key in o) if (Object.hasOwn(o, key)) c[key] = o[key];
  return c;
}

/** `json`: one JSON object a line, for log collectors. `pretty`: one readable line an event, for people. */
export type LogFormat = "json" | "pretty";
export const LOG_FORMATS: readonly LogFormat[] = ["json", "pretty"];

/** The format asked for, else pretty on a terminal and JSON lines everywhere else. */
export function resolveLogFormat(asked: string | undefined, stream: NodeJS.WritableStream & { isTTY?: boolean }): LogFormat {
  if (asked === "json" || asked === "pretty") return asked;
  return stream.isTTY ? "pretty" : "json";
}

/** JSON lines (or pretty lines): to `stream`, or with `errStream` warnings and errors go there instead. */
export function createLogger(
  stream: NodeJS.WritableStream,
  level = process.env.STOWAWAY_LOG_LEVEL ?? "info",
  errStream?: NodeJS.WritableStream,
  format: LogFormat = "json",
): Logger {
  const wrap = (s: NodeJS.WritableStream) => (format === "pretty" ? prettyStream(s) : (s as unknown as pino.DestinationStream));
  const dest = errStream
    ? pino.multistream(
        [
          { level: "trace", stream: wrap(stream) },
          { level: "warn", stream: wrap(errStream) },
        ],
        { dedupe: true },
      )
    : wrap(stream);
  return pino(
    {
      level,
      base: { name: "stowaway-sidecar" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: redactFields },
      // `{ err }` is logged as type, code and message for our own errors, type and code for any other.
      serializers: { err: errorFields },
    },
    dest,
  );
}

// --- pretty: a few lines instead of pino-pretty and its dependency tree -------------------------

const LEVEL_WIDTH = 5;
const COLOR: Record<string, number> = { trace: 90, debug: 90, info: 32, warn: 33, error: 31, fatal: 35 };
const SKIP = new Set(["time", "level", "name", "msg", "pid", "hostname", "v"]);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `12:04:05.123 INFO  rendered secret file=db.env version=3`, coloured when the stream is a terminal. */
export function prettyLine(json: string, color = false): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith("\n") ? json : `${json}\n`;
  }
  const time = typeof o.time === "string" ? o.time.slice(11, 23) : new Date().toISOString().slice(11, 23);
  const level = String(o.level ?? "info");
  const label = level.toUpperCase().padEnd(LEVEL_WIDTH);
  const fields = Object.entries(o)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${formatValue(v)}`);
  const text = [time, color ? `\u001b[${COLOR[level] ?? 0}m${label}\u001b[0m` : label, clean(String(o.msg ?? "")), ...fields].join(" ");
  return `${text}\n`;
}

function formatValue(v: unknown): string {
  if (typeof v === "string") return /^[^\s"=]*$/.test(v) && v !== "" ? clean(v) : JSON.stringify(clean(v));
  if (v && typeof v === "object" && "message" in v) {
    const e = v as { code?: unknown; message?: unknown };
    return JSON.stringify(clean(`${e.code ? `${String(e.code)}: ` : ""}${String(e.message)}`));
  }
  return clean(JSON.stringify(v) ?? String(v));
}

// Log lines quote names from configs and servers: never let one reach a terminal raw.
function clean(s: string): string {
  return s.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

function prettyStream(out: NodeJS.WritableStream & { isTTY?: boolean }): pino.DestinationStream {
  const color = Boolean(out.isTTY) && !process.env.NO_COLOR;
  return { write: (chunk: string) => void out.write(prettyLine(chunk, color)) };
}

/**
 * Runs a command with process-wide crash handlers that log through `logger`. Node prints an
 * uncaught error with util.inspect, and a request error would show its X-Vault-Token header:
 * anything that escapes is reported by code and message only.
 */
export async function withCrashGuard<T>(logger: Logger, run: () => Promise<T>): Promise<T> {
  const onUncaught = (err: unknown) => {
    logger.fatal({ err }, `unexpected error: ${errorFields(err).message}`);
    process.exit(1);
  };
  const onRejection = (err: unknown) => logger.error({ err }, `unhandled rejection: ${errorFields(err).message}`);
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onRejection);
  try {
    return await run();
  } finally {
    process.off("uncaughtException", onUncaught);
    process.off("unhandledRejection", onRejection);
  }
}
