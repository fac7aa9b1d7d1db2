/**
 * For tests that need something of the machine (a build, a tool, a filesystem): `skipIf(skipBecause(
 * !ready, "why"))`. A skip is never silent: the reason is printed. And where everything must run
 * (CI: .ci/run sets STOWAWAY_CI_NO_SKIP=1) a skip is a failure that names the reason.
 */
export function skipBecause(skip: boolean, reason: string): boolean {
  if (!skip) return false;
  if (process.env.STOWAWAY_CI_NO_SKIP === "1") {
    throw new Error(`this test must run here (STOWAWAY_CI_NO_SKIP=1) but would be skipped: ${reason}`);
  }
  console.warn(`skipped: ${reason}`);
  return true;
}
