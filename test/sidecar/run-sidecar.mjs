// Stand-in for `stowaway sidecar` while the CLI does not wire the command yet.
import { sidecarCommand } from "../../packages/sidecar/dist/index.js";

const args = process.argv.slice(2);
if (args[0] === "sidecar") args.shift();
const opts = { config: "", once: false, onceTimeout: undefined };
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--config") opts.config = args[++i];
  else if (args[i] === "--once") opts.once = true;
  else if (args[i] === "--once-timeout") opts.onceTimeout = args[++i];
}
process.exitCode = await sidecarCommand(opts, { stdout: process.stdout, stderr: process.stderr });
