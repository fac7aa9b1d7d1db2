/**
 * The ACL built from a token's policies, matched the way Vault's acl.go
 * matches: rules for the same path string from several policies are merged
 * (capabilities OR-ed, `deny` wins); then an exact rule wins, else the most
 * specific of the longest prefix rule and the matching `+` segment rules.
 * Different rules are never combined for one request.
 */
import { CAP, type Capability, type PathRule, type Policy } from "./policy.js";

interface Wildcard {
  path: string;
  isPrefix: boolean;
  parts: string[];
  caps: number;
}

export class Acl {
  private readonly exact = new Map<string, number>();
  private readonly prefix = new Map<string, number>();
  private readonly wildcards = new Map<string, number>();
  private readonly wildcardList: Wildcard[];
  readonly isRoot: boolean;

  constructor(policies: Policy[]) {
    this.isRoot = policies.some((p) => p.name === "root");
    for (const p of policies) for (const r of p.rules) this.add(r);
    this.wildcardList = [...this.wildcards].map(([path, caps]) => {
      const isPrefix = path.endsWith("*");
      const stem = isPrefix ? path.slice(0, -1) : path;
      return { path: stem, isPrefix, parts: stem.split("/"), caps };
    });
  }

  private add(r: PathRule): void {
    const table = r.hasSegmentWildcards ? this.wildcards : r.isPrefix ? this.prefix : this.exact;
    const prev = table.get(r.path);
    if (prev === undefined) table.set(r.path, r.caps);
    else if (prev & CAP.deny) return;
    else table.set(r.path, r.caps & CAP.deny ? CAP.deny : prev | r.caps);
  }

  /** The capability bits that apply to `path`, or undefined when no rule matches. */
  capabilities(path: string, isList = false): number | undefined {
    if (this.isRoot) return ~0;
    const p = path.replace(/^\/+/, "");
    const exact = this.exact.get(p) ?? (isList ? this.exact.get(p.replace(/\/$/, "")) : undefined);
    if (exact !== undefined) return exact;
    const found = this.nonExact(p);
    if (found !== undefined) return found;
    if (isList && p.endsWith("/")) return this.nonExact(p.slice(0, -1));
    return undefined;
  }

  /** Does the ACL grant `cap` (and sudo, when asked) on `path`? */
  allows(path: string, cap: Capability, needSudo = false): boolean {
    if (this.isRoot) return true;
    const bits = this.capabilities(path, cap === "list");
    if (bits === undefined || bits & CAP.deny) return false;
    if (needSudo && !(bits & CAP.sudo)) return false;
    return (bits & CAP[cap]) !== 0;
  }

  /**
   * Does any rule grant something (not deny) at or below `prefix`? This is
   * Vault's check for `sys/internal/ui/mounts/<mount>`.
   */
  anyUnder(prefix: string): boolean {
    if (this.isRoot) return true;
    const granted = (bits: number) => bits !== 0 && !(bits & CAP.deny);
    for (const [path, bits] of this.exact) if (path.startsWith(prefix) && granted(bits)) return true;
    for (const [path, bits] of this.prefix) if ((path.startsWith(prefix) || prefix.startsWith(path)) && granted(bits)) return true;
    const want = prefix.split("/").filter((s) => s !== "");
    for (const w of this.wildcardList) {
      if (!granted(w.caps)) continue;
      let ok = true;
      for (let i = 0; i < want.length && i < w.parts.length; i++) {
        const part = w.parts[i];
        const last = i === w.parts.length - 1;
        if (part === "+" || part === want[i] || (w.isPrefix && last && want[i].startsWith(part))) continue;
        ok = false;
        break;
      }
      if (ok) return true;
    }
    return false;
  }

  private nonExact(path: string): number | undefined {
    // Longest prefix rule.
    let best: { path: string; caps: number } | undefined;
    for (const [p, caps] of this.prefix) {
      if (path.startsWith(p) && (!best || p.length > best.path.length)) best = { path: p, caps };
    }
    if (this.wildcardList.length === 0) return best?.caps;
    interface Cand {
      firstWild: number;
      isPrefix: boolean;
      wildcards: number;
      path: string;
      caps: number;
    }
    const cands: Cand[] = [];
    if (best) cands.push({ firstWild: best.path.length, isPrefix: true, wildcards: 0, path: best.path, caps: best.caps });
    const parts = path.split("/");
    for (const w of this.wildcardList) {
      if (parts.length < w.parts.length) continue;
      if (!w.isPrefix && parts.length !== w.parts.length) continue;
      let wildcards = 0;
      let ok = true;
      for (let i = 0; i < w.parts.length; i++) {
        const part = w.parts[i];
        if (part === "+") wildcards++;
        else if (part === parts[i]) continue;
        else if (w.isPrefix && i === w.parts.length - 1 && parts[i].startsWith(part)) continue;
        else {
          ok = false;
          break;
        }
      }
      if (ok) cands.push({ firstWild: w.path.indexOf("+"), isPrefix: w.isPrefix, wildcards, path: w.path, caps: w.caps });
    }
    if (cands.length === 0) return undefined;
    // Vault's priority: a later first wildcard, then not a prefix, then fewer
    // `+` segments, then longer, then lexically greater wins.
    cands.sort(
      (a, b) =>
        a.firstWild - b.firstWild ||
        (a.isPrefix === b.isPrefix ? 0 : a.isPrefix ? -1 : 1) ||
        b.wildcards - a.wildcards ||
        a.path.length - b.path.length ||
        (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
    );
    return cands[cands.length - 1].caps;
  }
}
