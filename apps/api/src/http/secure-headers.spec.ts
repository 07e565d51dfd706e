import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import helmet from 'helmet';
import { helmetHeaders } from './secure-headers';

describe('helmetHeaders', () => {
  it('gives an answer exactly the headers helmet’s own middleware gives it', () => {
    const request = new IncomingMessage(new Socket());
    const byHelmet = new ServerResponse(request);
    let passed = false;
    helmet()(request, byHelmet, () => (passed = true));
    expect(passed).toBe(true);
    const byList = new ServerResponse(request);
    for (const [name, value] of helmetHeaders()) byList.setHeader(name, value);
    expect(byList.getHeaders()).toEqual(byHelmet.getHeaders());
    expect(Object.keys(byList.getHeaders())).toEqual(
      expect.arrayContaining(['content-security-policy', 'strict-transport-security', 'x-content-type-options']),
    );
  });
});
