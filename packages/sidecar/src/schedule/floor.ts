/** The shortest wait before any request the sidecar schedules itself (Vault Agent's min_backoff is 1 s too). */
export const MIN_DELAY_MS = 1000;

/**
 * `ms`, or 1–1.25 s when it is shorter. Delays are computed from what Vault grants
 * (`lease_duration: 0.001` once made a renewal loop of 450 requests a second) and from config;
 * neither may turn a timer into a request loop. The jitter keeps floored timers apart.
 */
export function floorDelay(ms: number, random: () => number = Math.random): number {
  return Number.isFinite(ms) && ms >= MIN_DELAY_MS ? ms : Math.round(MIN_DELAY_MS * (1 + 0.25 * random()));
}
