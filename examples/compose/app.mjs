// The example app: reads the files the sidecar writes, and reads them again on SIGHUP.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

// The sidecar finds this process by name (notify.process in sidecar.yaml).
process.title = "app";
const dir = process.env.SECRETS_DIR ?? "/run/secrets/app";

function load(reason) {
  for (const file of ["db.env", "db-creds.json"]) {
    try {
      const text = readFileSync(`${dir}/${file}`, "utf8");
      // Never print a secret: a digest is enough to see it change.
      const digest = createHash("sha256").update(text).digest("hex").slice(0, 12);
      console.log(`${reason}: ${dir}/${file} sha256:${digest}`);
    } catch (err) {
      console.error(`${reason}: cannot read ${dir}/${file}: ${err.code ?? err.message}`);
    }
  }
}

// Handlers first: a SIGHUP that lands between the first read and a later process.on would
// terminate the app (the default action), as it once did in a test under load.
process.on("SIGHUP", () => load("SIGHUP"));
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
load("start");
setInterval(() => {}, 1 << 30);
