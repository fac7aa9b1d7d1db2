/**
 * The part of HCL (v1) that Vault policies use: blocks with string labels
 * (`path "secret/*" { … }`), attributes (`capabilities = ["read"]`), strings,
 * numbers, booleans, lists and nested objects, `#`, `//` and `/* *\/`
 * comments. No maintained npm package parses HCL v1 (the HCL v2 ports are
 * multi-megabyte GopherJS builds, and policies are read with HCL v1), so this
 * small recursive-descent parser does it. Errors carry the line number.
 */

export type HclValue = string | number | boolean | HclValue[] | HclBody;

export interface HclEntry {
  key: string;
  labels: string[];
  /** An attribute's value, or a block's body. */
  value: HclValue;
  line: number;
}

/** A body keeps its entries in order, because a key may repeat (`path` blocks). */
export interface HclBody {
  entries: HclEntry[];
}

export class HclError extends Error {}

type Tok =
  | { t: "ident"; v: string; line: number }
  | { t: "string"; v: string; line: number }
  | { t: "number"; v: number; line: number }
  | { t: "punct"; v: string; line: number }
  | { t: "eof"; line: number };

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let line = 1;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === "\n") {
      line++;
      i++;
    } else if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "#" || (c === "/" && src[i + 1] === "/")) {
      while (i < n && src[i] !== "\n") i++;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) throw new HclError(`line ${line}: unterminated comment`);
      for (let j = i; j < end; j++) if (src[j] === "\n") line++;
      i = end + 2;
    } else if (c === '"') {
      const start = line;
      let s = "";
      i++;
      for (;;) {
        if (i >= n || src[i] === "\n") throw new HclError(`line ${start}: unterminated string`);
        const d = src[i];
        if (d === '"') {
          i++;
          break;
        }
        if (d === "\\") {
          const e = src[i + 1];
          const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };
          if (e !== undefined && e in map) {
            s += map[e];
            i += 2;
            continue;
          }
          throw new HclError(`line ${line}: invalid escape \\${e ?? ""}`);
        }
        s += d;
        i++;
      }
      out.push({ t: "string", v: s, line: start });
    } else if ("{}[]=,:".includes(c)) {
      out.push({ t: "punct", v: c, line });
      i++;
    } else if (/[0-9-]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9.eE+-]/.test(src[j])) j++;
      const v = Number(src.slice(i, j));
      if (!Number.isFinite(v)) throw new HclError(`line ${line}: invalid number`);
      out.push({ t: "number", v, line });
      i = j;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_.-]/.test(src[j])) j++;
      out.push({ t: "ident", v: src.slice(i, j), line });
      i = j;
    } else {
      throw new HclError(`line ${line}: unexpected character ${JSON.stringify(c)}`);
    }
  }
  out.push({ t: "eof", line });
  return out;
}

/** Parse HCL text into a body. Throws HclError naming the line. */
export function parseHcl(src: string): HclBody {
  const toks = lex(src);
  let p = 0;
  const peek = () => toks[p];
  const next = () => toks[p++];
  const isPunct = (v: string) => {
    const t = peek();
    return t.t === "punct" && t.v === v;
  };
  const expect = (v: string) => {
    const t = next();
    if (t.t !== "punct" || t.v !== v) throw new HclError(`line ${t.line}: expected ${JSON.stringify(v)}`);
  };

  const value = (): HclValue => {
    const t = next();
    switch (t.t) {
      case "string":
      case "number":
        return t.v;
      case "ident":
        if (t.v === "true") return true;
        if (t.v === "false") return false;
        throw new HclError(`line ${t.line}: unexpected ${t.v}`);
      case "punct":
        if (t.v === "[") {
          const items: HclValue[] = [];
          while (!isPunct("]")) {
            items.push(value());
            if (isPunct(",")) next();
            else if (!isPunct("]")) throw new HclError(`line ${peek().line}: expected "," or "]" in a list`);
          }
          next();
          return items;
        }
        if (t.v === "{") {
          const b = body(true);
          expect("}");
          return b;
        }
        throw new HclError(`line ${t.line}: unexpected ${JSON.stringify(t.v)}`);
      default:
        throw new HclError(`line ${t.line}: unexpected end of input`);
    }
  };

  const body = (nested: boolean): HclBody => {
    const entries: HclEntry[] = [];
    for (;;) {
      const t = peek();
      if (t.t === "eof") {
        if (nested) throw new HclError(`line ${t.line}: missing "}"`);
        return { entries };
      }
      if (t.t === "punct" && t.v === "}") {
        if (!nested) throw new HclError(`line ${t.line}: unexpected "}"`);
        return { entries };
      }
      if (t.t === "punct" && t.v === ",") {
        next();
        continue;
      }
      if (t.t !== "ident" && t.t !== "string") throw new HclError(`line ${t.line}: expected a key`);
      next();
      const key = String(t.v);
      const labels: string[] = [];
      while (peek().t === "string") labels.push(String((next() as { v: string }).v));
      if (isPunct("=") || isPunct(":")) {
        if (labels.length > 0) throw new HclError(`line ${t.line}: unexpected "=" after a block label`);
        next();
        entries.push({ key, labels, value: value(), line: t.line });
      } else if (isPunct("{")) {
        next();
        const b = body(true);
        expect("}");
        entries.push({ key, labels, value: b, line: t.line });
      } else {
        throw new HclError(`line ${peek().line}: expected "=" or "{" after ${JSON.stringify(key)}`);
      }
    }
  };

  return body(false);
}
