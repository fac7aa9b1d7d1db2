/**
 * Node cannot wait for processes it did not start, so as PID 1 orphaned grandchildren would stay
 * zombies. We say so at start instead of pretending to be an init.
 */
export function pid1Warning(pid: number = process.pid): string | undefined {
  if (pid !== 1) return undefined;
  return "stowaway exec is running as PID 1 without an init: orphaned processes will not be reaped and become zombies; run the container with `docker run --init` (or make tini or dumb-init the entrypoint)";
}
