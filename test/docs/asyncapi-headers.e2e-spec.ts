import { buildAsyncApi, encodeEvent } from '@zan/messaging';
import { eventLog, walletFunded } from '../../libs/messaging/src/testing/events';
import { violations } from '../support/json-schema';

/**
 * A subscriber validates the headers it reads against docs/asyncapi.yaml: every header the relay
 * writes must conform to CloudEventHeaders, ce_sequence (a plain decimal, docs/contract.md) included.
 */
describe('AsyncAPI CloudEventHeaders', () => {
  const headersSchema = (buildAsyncApi() as any).components.schemas.CloudEventHeaders;

  it('accepts the headers of encoded events, from the first revision of a stream to a later one', () => {
    const log = eventLog();
    const events = Array.from({ length: 12 }, () => log.next('wallet-carol', walletFunded('carol').type, walletFunded('carol').data));
    for (const { event, prevPosition } of events) {
      const { headers } = encodeEvent(event, prevPosition, 'zan');
      expect({ revision: event.revision, problems: violations(headersSchema, headers) }).toEqual({ revision: event.revision, problems: [] });
    }
  });

  it('refuses a ce_sequence that is not the plain decimal revision', () => {
    const { event, prevPosition } = eventLog().next('wallet-carol', walletFunded('carol').type, walletFunded('carol').data);
    const { headers } = encodeEvent(event, prevPosition, 'zan');
    for (const sequence of ['0000000000000000', '-1', '', '1.0'])
      expect(violations(headersSchema, { ...headers, ce_sequence: sequence })).toEqual([
        `$.ce_sequence: does not match ${headersSchema.properties.ce_sequence.pattern}`,
      ]);
  });
});
