import { Inject, Injectable } from '@nestjs/common';
import { parsePosition } from '@zan/contracts';
import { ZAN_CONFIG, type ZanConfig } from '@zan/platform';
import { READ_MODEL_STORE, type ReadModelStore } from '@zan/read-models';
import { ProblemException, problem } from '../http/problem';
import { badRequest } from '../http/validation';

/**
 * `?after=<position>`: wait until the read models have applied every event up to that position
 * (the projector's watermark), up to ZAN_READ_WAIT_MS, else 503 with Retry-After.
 */
@Injectable()
export class ReadYourWrites {
  constructor(
    @Inject(READ_MODEL_STORE) private readonly store: ReadModelStore,
    @Inject(ZAN_CONFIG) private readonly config: ZanConfig,
  ) {}

  async waitFor(after: unknown): Promise<void> {
    if (after === undefined) return;
    const position = parsePosition(after);
    if (position === undefined) throw badRequest('after', 'must be a position: a decimal string of digits');
    const deadline = Date.now() + this.config.readWaitMs;
    let pause = 2;
    for (;;) {
      if ((await this.store.watermark()) >= position) return;
      if (Date.now() >= deadline) {
        throw new ProblemException(
          problem(503, 'read-model-behind', 'Read model not caught up', `the read models have not applied position ${position} yet; retry shortly`),
          { 'Retry-After': '1' },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(50, pause * 2);
    }
  }
}
