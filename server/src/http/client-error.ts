import { type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '@rallyboard/core/protocol';

/**
 * Requests Node's HTTP parser refuses before express sees them (a request line or headers past
 * `--max-http-header-size`, malformed HTTP) are answered with a catalogue error too, instead of
 * Node's bare status line: HEADERS_TOO_LARGE for the first, INVALID_INPUT for the rest.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Nothing to answer on a socket that is gone; a timeout keeps Node's own 408.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
      return;
    }
    const appError =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? new AppError('HEADERS_TOO_LARGE')
        : new AppError('INVALID_INPUT', { message: 'The request is not valid HTTP.' });
    const body = JSON.stringify(appError.toBody());
    socket.end(
      `HTTP/1.1 ${appError.status} ${STATUS_CODES[appError.status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  });
}
