// Internal barrel for rules: the shared detectors.
export { classifyName, splitNameWords, type NameClass } from "./names.js";
export {
  classifyValue,
  hasReference,
  interpolationDefault,
  isLikelySecretValue,
  isPlaceholder,
  isReferenceGlue,
  isWeakValue,
  judgeSecretValue,
  secretStrength,
  stripReferences,
  WEAK_VALUES,
  type ValueClass,
  type ValueVerdict,
} from "./values.js";
export { looksLikeDocStub, looksRandom, shannonEntropy } from "./entropy.js";
export { findKnownTokens, type TokenMatch } from "./tokens.js";
export {
  findConnectionStringPasswords,
  findCredentialsInText,
  findHeaderCredentials,
  findLibpqPasswords,
  findUrlCredentials,
  type CredentialMatch,
} from "./urls.js";
export { findCommandLineSecrets, type CommandLineMatch } from "./commandline.js";
export { secretFileInfo, secretFileKind } from "./secret-files.js";
export { simpleCommands, tokenizeShell, type ShellToken, type ShellWord, type SimpleCommand } from "./shell-words.js";
