import type { FileRule } from "../../rule.js";
import parseWarning from "./parse-warning.js";
import unknownRule from "./unknown-rule.js";
import unusedSuppression from "./unused-suppression.js";

/** In run order: unknown-rule marks the comments it reports, so unused-suppression must come after it. */
export const fileRules: readonly FileRule[] = [parseWarning, unknownRule, unusedSuppression];
