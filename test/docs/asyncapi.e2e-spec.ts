import { readFileSync } from 'node:fs';
import { EVENT_CATALOG, EVENT_SCHEMAS, EVENT_TYPES, currentVersion } from '@zan/contracts';
import { HEADER, buildAsyncApi, ceType } from '@zan/messaging';
import { ASYNCAPI_PATH, renderAsyncApi } from '../../tools/asyncapi';
import { DEAD_LETTER_CATEGORY } from '../../apps/projector/src/projection-handler';

/** docs/asyncapi.yaml is generated from libs/contracts: it can neither drift nor miss an event. */
describe('AsyncAPI document', () => {
  const document = buildAsyncApi() as any;

  it('is committed exactly as `npm run docs:asyncapi` writes it', () => {
    expect(readFileSync(ASYNCAPI_PATH, 'utf8')).toBe(renderAsyncApi());
  });

  it('has every event type of EVENT_CATALOG, at every version a consumer may meet, on its topic', () => {
    for (const type of EVENT_TYPES) {
      const { category } = EVENT_CATALOG[type];
      for (let version = 1; version <= currentVersion(type); version++) {
        const name = `${type}.v${version}`;
        expect(document.channels[category].messages).toHaveProperty([name]);
        expect(document.channels[category].address).toBe(`zan.${category}`);
        expect(document.components.messages[name].headers.allOf[1].properties[HEADER.type].const).toBe(ceType(type, version));
        expect(document.components.schemas[name]).toBe(EVENT_SCHEMAS[type][version]);
      }
    }
    const documented = Object.values(document.channels as Record<string, { messages: object }>).flatMap((c) => Object.keys(c.messages));
    expect(documented).toHaveLength(EVENT_TYPES.reduce((n, type) => n + currentVersion(type), 0));
  });

  it('documents every CloudEvents and Zan header of the wire format, and the dead-letter topic', () => {
    const headers = document.components.schemas.CloudEventHeaders;
    expect(Object.keys(headers.properties).sort()).toEqual(Object.values(HEADER).sort());
    expect(headers.required.sort()).toEqual(Object.values(HEADER).sort());
    const full = readFileSync(ASYNCAPI_PATH, 'utf8');
    expect(full).toContain(`address: "zan.${DEAD_LETTER_CATEGORY}"`);
  });
});
