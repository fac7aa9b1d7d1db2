import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** Modules whose `debug` output shows login bodies, request options or headers. */
const NOISY = ["node-vault", "follow-redirects", "axios"];
const SKIPS = NOISY.flatMap((n) => [`-${n}`, `-${n}:*`]);

interface DebugModule {
  enable(namespaces: string): void;
  disable(): string;
}

/**
 * Turns off the `debug` namespaces of the Vault HTTP stack, whatever DEBUG says: with
 * DEBUG=* node-vault prints the AppRole secret id and follow-redirects the request options.
 * Skip patterns ("-name") win over any match in `debug`, so the rest of DEBUG still works.
 * Called before node-vault is loaded; harmless to call again.
 */
export function silenceDebug(env: NodeJS.ProcessEnv = process.env): void {
  // Without DEBUG, `debug` enables nothing; loading it only to disable it costs memory.
  if (!env.DEBUG) return;
  // A copy of `debug` loaded later reads DEBUG when it loads.
  if (env.DEBUG && !env.DEBUG.includes(SKIPS[0])) env.DEBUG = [env.DEBUG, ...SKIPS].join(",");
  // The copies these modules resolve (one, or several when npm did not dedupe them).
  for (const from of [() => require.resolve("node-vault"), () => createRequire(require.resolve("axios")).resolve("follow-redirects")]) {
    let debug: DebugModule;
    try {
      debug = createRequire(from())("debug") as DebugModule;
    } catch {
      continue; // not installed there: that module then has no debug output at all
    }
    const current = debug.disable();
    debug.enable([current, ...SKIPS].filter(Boolean).join(","));
  }
}
