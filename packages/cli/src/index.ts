export { main } from "./main.js";
export type { CommandIO, ExitCode } from "./io.js";
