/**
 * Runs the contract suite against vault-dev, and against a real Vault or
 * OpenBao dev server when VAULT_ADDR and VAULT_TOKEN are set.
 */
import { afterAll, beforeAll, describe } from "vitest";
import { contractSuite, type ContractTarget } from "./contract.js";
import { startVaultDev, type VaultDev } from "@stowaway/vault-dev";

let dev: VaultDev;
beforeAll(async () => {
  dev = await startVaultDev({ rootToken: "root" });
});
afterAll(async () => {
  await dev?.close();
});

contractSuite("vault-dev", true, (): ContractTarget => ({ url: dev.url, token: dev.rootToken, dev }));

const realAddr = process.env.VAULT_ADDR;
const realToken = process.env.VAULT_TOKEN;
if (!realAddr || !realToken) {
  console.log("vault-dev contract suite: skipping the real-Vault run (set VAULT_ADDR and VAULT_TOKEN to a Vault or OpenBao dev server to run it)");
}
describe.skipIf(!realAddr || !realToken)("real server", () => {
  contractSuite(`real Vault at ${realAddr}`, false, () => ({ url: realAddr!.replace(/\/+$/, ""), token: realToken! }));
});
