import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The address the app's server is bound to, as a URL (`http://127.0.0.1:3000`, `http://[::]:3000`). */
export const boundUrl = (app: INestApplication): string => {
  const { address, family, port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return `http://${family === 'IPv6' || address.includes(':') ? `[${address}]` : address}:${port}`;
};

/** Listens on HOST (loopback by default) and answers the address actually bound, for the start line. */
export const listenOn = async (app: INestApplication, port: number, host: string): Promise<string> => {
  await app.listen(port, host);
  return boundUrl(app);
};
