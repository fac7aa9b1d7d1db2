/**
 * Node's HTTP parser rejects unknown methods (`LIST` gets a 400 before any
 * handler runs), but Vault clients send `LIST`. So each TCP connection passes
 * through a small framing-aware rewriter that turns a `LIST` request line into
 * `GET` and marks it with a header, then hands the stream to node:http.
 */
import { Duplex } from "node:stream";
import type { Socket } from "node:net";

export const LIST_MARKER = "x-vault-dev-method";

type State = { kind: "head" } | { kind: "body"; remaining: number } | { kind: "chunked"; step: "size" | "data" | "trailer"; remaining: number };

const CRLF2 = Buffer.from("\r\n\r\n");
const CRLF = Buffer.from("\r\n");

/** Rewrites request heads in a byte stream, passing bodies through untouched. */
export class ListRewriter {
  private buf: Buffer = Buffer.alloc(0);
  private state: State = { kind: "head" };

  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      const s = this.state;
      if (s.kind === "head") {
        const end = this.buf.indexOf(CRLF2);
        if (end < 0) {
          // A head with no end yet; give up rewriting absurdly long ones and let node reject them.
          if (this.buf.length > 64 * 1024) {
            out.push(this.buf);
            this.buf = Buffer.alloc(0);
          }
          return out;
        }
        const head = this.buf.subarray(0, end + 4).toString("latin1");
        this.buf = this.buf.subarray(end + 4);
        out.push(Buffer.from(this.rewrite(head), "latin1"));
      } else if (s.kind === "body") {
        if (s.remaining === 0) {
          this.state = { kind: "head" };
          continue;
        }
        if (this.buf.length === 0) return out;
        const n = Math.min(s.remaining, this.buf.length);
        out.push(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
        s.remaining -= n;
      } else {
        if (s.step === "data") {
          if (this.buf.length === 0) return out;
          const n = Math.min(s.remaining, this.buf.length);
          out.push(this.buf.subarray(0, n));
          this.buf = this.buf.subarray(n);
          s.remaining -= n;
          if (s.remaining === 0) s.step = "size";
          continue;
        }
        const eol = this.buf.indexOf(CRLF);
        if (eol < 0) return out;
        const line = this.buf.subarray(0, eol + 2);
        out.push(line);
        this.buf = this.buf.subarray(eol + 2);
        if (s.step === "trailer") {
          if (eol === 0) this.state = { kind: "head" };
          continue;
        }
        const text = line.toString("latin1").trim();
        if (text === "") continue; // the CRLF after a chunk's data
        const size = parseInt(text.split(";")[0], 16);
        if (!Number.isFinite(size)) {
          // Malformed: stop interpreting, node will reject it.
          this.state = { kind: "body", remaining: Number.MAX_SAFE_INTEGER };
          continue;
        }
        if (size === 0) s.step = "trailer";
        else {
          s.step = "data";
          s.remaining = size;
        }
      }
    }
  }

  private rewrite(head: string): string {
    const lines = head.split("\r\n");
    let chunked = false;
    let length = 0;
    for (const l of lines.slice(1)) {
      const i = l.indexOf(":");
      if (i < 0) continue;
      const name = l.slice(0, i).trim().toLowerCase();
      const value = l.slice(i + 1).trim();
      if (name === "content-length") length = Number(value) || 0;
      if (name === "transfer-encoding" && /chunked/i.test(value)) chunked = true;
    }
    this.state = chunked ? { kind: "chunked", step: "size", remaining: 0 } : { kind: "body", remaining: length };
    if (lines[0].startsWith("LIST ")) {
      lines[0] = "GET " + lines[0].slice(5);
      lines.splice(1, 0, `${LIST_MARKER}: LIST`);
    }
    return lines.join("\r\n");
  }
}

/** Wrap a socket so node:http sees LIST requests as marked GETs. */
export function wrapSocket(socket: Socket): Duplex {
  const rewriter = new ListRewriter();
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  socket.on("data", (d: Buffer) => {
    for (const part of rewriter.push(d)) {
      if (!duplex.push(part)) socket.pause();
    }
  });
  socket.on("end", () => duplex.push(null));
  socket.on("error", (e) => duplex.destroy(e));
  socket.on("close", () => duplex.destroy());
  // node:http calls these on its connection; forward them to the real socket.
  Object.assign(duplex, {
    setTimeout: (ms: number, cb?: () => void) => {
      socket.setTimeout(ms, cb);
      return duplex;
    },
    setNoDelay: (v?: boolean) => {
      socket.setNoDelay(v);
      return duplex;
    },
    setKeepAlive: (e?: boolean, d?: number) => {
      socket.setKeepAlive(e, d);
      return duplex;
    },
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
    localAddress: socket.localAddress,
    localPort: socket.localPort,
  });
  socket.on("timeout", () => duplex.emit("timeout"));
  return duplex;
}
