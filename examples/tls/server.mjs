// The example TLS app: a Node https server started from the certificate files the sidecar
// writes, which reloads them on SIGHUP without dropping a connection.
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import https from "node:https";

// The sidecar finds this process by name (notify.process in sidecar.yaml).
process.title = "app";
const dir = process.env.SECRETS_DIR ?? "/run/secrets/app";
const port = Number(process.env.PORT ?? 8443);

// The sidecar publishes tls.crt and tls.key together (one symlink swap), so reading the
// certificate again after the key and getting the same bytes means the key belongs to it.
function loadPair() {
  for (;;) {
    const cert = readFileSync(`${dir}/tls.crt`);
    const key = readFileSync(`${dir}/tls.key`);
    if (readFileSync(`${dir}/tls.crt`).equals(cert)) return { cert, key };
  }
}

// Only public facts are printed: the serial and the expiry, never the key.
const describe = (pair) => {
  const c = new X509Certificate(pair.cert);
  return `serial ${c.serialNumber}, valid until ${c.validTo}`;
};

let pair = loadPair();
const server = https.createServer({ ...pair }, (_req, res) => res.end("hello over TLS\n"));
server.listen(port, () => console.log(`start: listening on ${server.address().port}, ${describe(pair)}`));
process.on("SIGHUP", () => {
  try {
    pair = loadPair();
    // New handshakes use the new certificate; connections already open keep theirs.
    server.setSecureContext({ ...pair });
    console.log(`SIGHUP: reloaded, ${describe(pair)}`);
  } catch (err) {
    console.error(`SIGHUP: kept the old certificate: ${err.code ?? err.message}`);
  }
});
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
