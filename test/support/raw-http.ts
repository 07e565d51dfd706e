import { connect } from 'node:net';

/** What came back on the socket: the status line, the header lines and the body, as sent. */
export interface RawAnswer {
  statusLine: string;
  headers: string[];
  body: string;
}

/** Bytes written as they are on a fresh connection to 127.0.0.1:`port`; what came back until the server closed it. */
export const rawBytes = (port: number, text: string): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text, 'latin1'));
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', ...rest] = out.split('\r\n\r\n');
      const [statusLine = '', ...headers] = head.split('\r\n');
      resolve({ statusLine, headers, body: rest.join('\r\n\r\n') });
    });
  });
