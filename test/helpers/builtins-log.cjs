// Preloaded with `node --require` (NODE_OPTIONS) by tests that check which of node's built-in
// modules a command loads: writes process.moduleLoadList to $STOWAWAY_TEST_BUILTINS_LOG at exit.
process.on("exit", () => require("node:fs").writeFileSync(process.env.STOWAWAY_TEST_BUILTINS_LOG, process.moduleLoadList.join("\n")));
