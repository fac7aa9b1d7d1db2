import { describe, expect, it } from "vitest";
import { secretFileKind } from "./secret-files.js";

describe("secretFileKind", () => {
  it.each([
    [".env", "dotenv file"],
    ["app/.env", "dotenv file"],
    [".env.production", "dotenv file"],
    ["prod.env", "dotenv file"],
    ["id_rsa", "SSH private key"],
    ["/root/.ssh/id_ed25519", "SSH private key"],
    ["certs/server.key", "private key file (*.key)"],
    ["config/master.key", "private key file (*.key)"],
    ["tls.pem", expect.stringContaining("PEM")],
    ["*.pem", expect.stringContaining("PEM")],
    ["store.p12", "PKCS#12 keystore"],
    ["cert.pfx", "PKCS#12 keystore"],
    ["app.jks", "Java keystore"],
    ["release.keystore", "keystore"],
    [".npmrc", expect.stringContaining("npm")],
    [".pypirc", "PyPI credentials file"],
    [".netrc", "netrc credentials file"],
    [".git-credentials", "Git credentials file"],
    ["home/.aws/credentials", "AWS credentials file"],
    [".docker/config.json", "Docker credentials file"],
    ["kubeconfig", "kubeconfig"],
    [".kube/config", "kubeconfig"],
    ["credentials.json", "credentials file"],
    ["service-account.json", "cloud service account key"],
    [".htpasswd", "htpasswd password file"],
    [".ssh", "SSH directory (private keys)"],
    [".ssh/", "SSH directory (private keys)"],
    [".vault-token", "Vault token file"],
  ])("%s", (path, label) => {
    expect(secretFileKind(path)).toEqual(label);
  });

  it.each([
    ".env.example",
    ".env.sample",
    ".env.template",
    ".env.dist",
    "example.env",
    "id_rsa.pub",
    "key.pub",
    "server.crt",
    "ca.cer",
    "nginx_signing.key",
    "Release.key",
    "/usr/share/keyrings/docker.key",
    "docker-archive-keyring.gpg",
    "config.json",
    "package.json",
    "requirements.txt",
    ".",
    "src/",
    "environment.ts",
    "keys.txt",
    "secrets.yml",
  ])("%s is not a secret file", (path) => {
    expect(secretFileKind(path)).toBeUndefined();
  });
});
