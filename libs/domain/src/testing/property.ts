import { defaultReportMessage, type Parameters } from 'fast-check';

/**
 * One seed for every property, so a run is reproducible; FC_SEED=<n> tries another. fast-check puts
 * the seed and the shrunk counterexample in the failure message; the reporter echoes the seed too.
 */
export const PROPERTY_SEED = Number(process.env.FC_SEED ?? 42);

export const PROPERTY_PARAMS: Parameters<unknown> = {
  seed: PROPERTY_SEED,
  numRuns: Number(process.env.FC_RUNS ?? 200),
  reporter: (details) => {
    if (details.failed) {
      throw new Error(
        `property failed with seed ${PROPERTY_SEED} (FC_SEED=${PROPERTY_SEED} to rerun)\n${defaultReportMessage(details) ?? ''}\n${String(details.errorInstance)}`,
      );
    }
  },
};
