// Vitest setupFiles: every property test of this run uses the seed the global setup logged, so a
// red run is reproduced with `FC_SEED=<seed> npx vitest run <file>`.
import fc from "fast-check";
import { DEFAULT_FC_SEED } from "./seed.js";

const seed = Number(process.env.FC_SEED ?? DEFAULT_FC_SEED);
fc.configureGlobal({ seed });
