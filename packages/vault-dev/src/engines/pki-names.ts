/**
 * Which names a PKI role allows, following Vault's `validateNames` in
 * builtin/logical/pki/cert_util.go: allow_any_name, allow_localhost,
 * allowed_domains with allow_bare_domains / allow_subdomains /
 * allow_glob_domains, wildcards, enforce_hostnames. Identity templates and
 * token display names are not modelled.
 */

export interface NamePolicy {
  allowAnyName: boolean;
  allowLocalhost: boolean;
  allowedDomains: string[];
  allowBareDomains: boolean;
  allowSubdomains: boolean;
  allowGlobDomains: boolean;
  allowWildcardCertificates: boolean;
  enforceHostnames: boolean;
}

/** Vault's hostnameRegex. */
export const HOSTNAME = /^(\*\.)?(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])\.?$/;
const LEFT_WILD_LABEL = /^(\*|[a-zA-Z0-9]+\*[a-zA-Z0-9]*|[a-zA-Z0-9]*\*[a-zA-Z0-9]+)$/;

/** `*` matches any run of characters, as Vault's ryanuber/go-glob does. */
export function glob(pattern: string, s: string): boolean {
  const re = new RegExp(
    "^" +
      pattern
        .split("*")
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*") +
      "$",
    "s",
  );
  return re.test(s);
}

const isWildcard = (name: string) => name.includes("*");

/** Returns the first name the policy rejects, or "" when all pass. */
export function firstBadName(policy: NamePolicy, names: string[]): string {
  for (const name of names) {
    let reduced = name;
    let emailDomain = name;
    let isEmail = false;
    let wildLabel = "";
    if (reduced.includes("@")) {
      const parts = reduced.split("@");
      if (parts.length !== 2) return name;
      reduced = emailDomain = parts[1];
      isEmail = true;
    }
    const wild = isWildcard(reduced);
    if (wild) {
      if (!policy.allowWildcardCertificates) return name;
      const dot = reduced.indexOf(".");
      if (dot <= 0 || reduced.slice(dot + 1).includes("*")) return name;
      wildLabel = reduced.slice(0, dot);
      reduced = reduced.slice(dot + 1);
    }
    if (isEmail && wild) return name;
    if (policy.enforceHostnames) {
      if (reduced !== "" && !HOSTNAME.test(reduced)) return name;
      if (wild && !LEFT_WILD_LABEL.test(wildLabel)) return name;
    }
    if (policy.allowAnyName) continue;
    if (policy.allowLocalhost) {
      if (reduced === "localhost" || reduced === "localdomain") continue;
      if (policy.allowSubdomains && (reduced.endsWith(".localhost") || reduced.endsWith(".localdomain"))) continue;
    }
    let valid = false;
    for (const domain of policy.allowedDomains) {
      if (domain === "") continue;
      const lower = domain.toLowerCase();
      if (policy.allowBareDomains && (name.toLowerCase() === lower || (isEmail && emailDomain.toLowerCase() === lower))) valid = true;
      else if (policy.allowSubdomains && (reduced.endsWith("." + domain) || (wild && reduced.toLowerCase() === lower))) valid = true;
      else if (policy.allowGlobDomains && domain.includes("*") && glob(domain, name)) valid = true;
      if (valid) break;
    }
    if (!valid) return name;
  }
  return "";
}
