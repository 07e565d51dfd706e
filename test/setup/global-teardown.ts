// The broker is left running for the next run (start.sh reuses it); `npm run kafka:stop` stops it.
export default async function globalTeardown(): Promise<void> {}
