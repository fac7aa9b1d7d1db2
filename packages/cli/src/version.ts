import { readFileSync } from "node:fs";

// Inlined by scripts/bundle.mjs from the root package.json, the one place the version is set.
declare const STOWAWAY_VERSION: string | undefined;

/** The `stowaway` package's version: inlined in the bundle, read from the checkout's root package.json otherwise. */
export const VERSION: string =
  typeof STOWAWAY_VERSION === "string"
    ? STOWAWAY_VERSION
    : (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;
