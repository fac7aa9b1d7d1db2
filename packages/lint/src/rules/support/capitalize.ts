/** Detector labels are lower case ("password in URL"); a message may start with one. */
export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
