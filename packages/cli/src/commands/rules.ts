import { DOCS_BASE_URL, ruleCatalog } from "@stowaway/lint";
import type { CommandIO, ExitCode } from "../io.js";

const ALL_KINDS = ["dockerfile", "compose", "env"];

/** `stowaway rules`: every rule id with its default severity, the kinds it reads and its docs. */
export async function rulesCommand(opts: { format?: "text" | "json" }, io: CommandIO): Promise<ExitCode> {
  const rules = (await ruleCatalog())
    .map((r) => {
      const kind = r.id.split("/")[0];
      return { id: r.id, severity: r.severity, kinds: ALL_KINDS.includes(kind) ? [kind] : ALL_KINDS, description: r.description, docs: DOCS_BASE_URL + r.docs };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
  if (opts.format === "json") {
    io.stdout.write(JSON.stringify({ version: 1, rules }, null, 2) + "\n");
    return 0;
  }
  const idWidth = Math.max(...rules.map((r) => r.id.length));
  const lines = rules.map(
    (r) => `${r.id.padEnd(idWidth)}  ${r.severity.padEnd(7)}  ${r.kinds.join(",").padEnd(22)}  ${r.description}\n${"".padEnd(idWidth + 2)}${r.docs}\n`,
  );
  io.stdout.write(lines.join(""));
  return 0;
}
