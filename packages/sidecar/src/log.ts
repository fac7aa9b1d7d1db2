import { pino, type Logger } from "pino";
import { errorFields } from "./errors.js";

export type { Logger };

/**
 * Redaction is the second line of defence: the code never passes values or tokens to the
 * logger, but if a field with one of these names slips in, it is censored.
 */
export const REDACT_PATHS = [
  "token", "*.token", "client_token", "*.client_token", "secret_id", "*.secret_id", "secretId", "*.secretId",
  "jwt", "*.jwt", "password", "*.password", "value", "*.value", "data", "*.data", "body", "*.body",
  "headers", "*.headers", "config", "*.config", "request", "*.request", "response", "*.response",
  'headers["x-vault-token"]', '*.headers["x-vault-token"]',
];

/** JSON lines: to `stream`, or with `errStream` warnings and errors go there instead. */
export function createLogger(stream: NodeJS.WritableStream, level = process.env.STOWAWAY_LOG_LEVEL ?? "info", errStream?: NodeJS.WritableStream): Logger {
  const dest = errStream
    ? pino.multistream(
        [
          { level: "trace", stream: stream as unknown as pino.DestinationStream },
          { level: "warn", stream: errStream as unknown as pino.DestinationStream },
        ],
        { dedupe: true },
      )
    : (stream as unknown as pino.DestinationStream);
  return pino(
    {
      level,
      base: { name: "stowaway-sidecar" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // `{ err }` is logged as type, code and message for our own errors, type and code for any other.
      serializers: { err: errorFields },
    },
    dest,
  );
}
