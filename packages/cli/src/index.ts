export { dispatch, type HandOff, main } from "./main.js";
export type { CommandIO, ExitCode } from "./io.js";
