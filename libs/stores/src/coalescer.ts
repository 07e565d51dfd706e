/**
 * Natural batching of small writes: calls that arrive while earlier batches are being written wait
 * and go together in the next one, so N concurrent requests cost one round trip instead of N. No
 * delay is added: a lone call is written at once; batches only form under concurrency.
 *
 * `write` gets the inputs of one batch and answers one output per input, in order (or throws,
 * failing every call of the batch).
 */
export class Coalescer<I, O> {
  private readonly waiting: { input: I; resolve: (output: O) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;

  constructor(
    private readonly write: (inputs: I[]) => Promise<O[]>,
    private readonly options: { maxBatch?: number; maxInFlight?: number } = {},
  ) {}

  run(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      this.pump();
    });
  }

  /** Several calls queued at once, so that they go in one batch when one can start. */
  runAll(inputs: I[]): Promise<O>[] {
    const outputs = inputs.map((input) => new Promise<O>((resolve, reject) => this.waiting.push({ input, resolve, reject })));
    this.pump();
    return outputs;
  }

  private pump(): void {
    const maxInFlight = this.options.maxInFlight ?? 2;
    while (this.inFlight < maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch ?? 500);
      this.inFlight += 1;
      void this.write(batch.map((call) => call.input))
        .then(
          (outputs) => {
            if (outputs.length !== batch.length) throw new Error(`a batch of ${batch.length} answered ${outputs.length} outputs`);
            batch.forEach((call, i) => call.resolve(outputs[i]!));
          },
          (error: unknown) => batch.forEach((call) => call.reject(error)),
        )
        .catch((error: unknown) => batch.forEach((call) => call.reject(error)))
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
        });
    }
  }
}
