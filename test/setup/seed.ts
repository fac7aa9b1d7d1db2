// Vitest globalSetup: chooses the one fast-check seed of this run and logs it. A fixed default keeps
// `npm test` and CI reproducible; `npm run test:fuzz` (scripts/fuzz.mjs) passes fresh seeds instead.
export const DEFAULT_FC_SEED = 20_260_301;

export default function setup(): void {
  const given = process.env.FC_SEED;
  const seed = given !== undefined && given !== "" ? Number(given) : DEFAULT_FC_SEED;
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(given)}`);
  // Workers are started after globalSetup and inherit the environment. Each vitest project runs
  // this setup; the first one chooses and logs.
  if (process.env.STOWAWAY_FC_SEED_LOGGED) return;
  process.env.STOWAWAY_FC_SEED_LOGGED = "1";
  process.env.FC_SEED = String(seed);
  console.log(`fast-check seed ${seed}${given ? " (from FC_SEED)" : " (fixed default; FC_SEED=<n> to change)"}`);
}
