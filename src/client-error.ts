import { maxHeaderSize, STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { corsHeadersOfAnswer } from './cds/cors.js';

/** What Node answers itself to a request it could not parse (its own 'clientError' default, lib/_http_server.js). */
function nodeDefaultAnswer(code: string | undefined): string {
  const status = code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`;
}

/**
 * The 431 for headers over Node's bound (`--max-http-header-size`, 16 KiB by default), in the service's error
 * shape and with the CORS headers every other answer carries: Node's own 431 has neither, so a browser client
 * (the CDS Hooks Sandbox) saw a CORS failure, not a reason. The CORS policy allows every origin (cds/cors.ts),
 * so the Origin header, which may be among the bytes never parsed, need not be read.
 */
function headersTooLargeAnswer(): string {
  const body = JSON.stringify({
    error: 'request headers too large',
    problems: [{ path: '(headers)', message: `are over the ${maxHeaderSize} bytes the server reads (an Authorization token this long cannot be read)` }],
  });
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...corsHeadersOfAnswer(),
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 431 ${STATUS_CODES[431]}\r\n${lines.join('')}\r\n${body}`;
}

/**
 * Answers requests Node refuses before express sees them. Headers too large get a JSON 431 with CORS headers;
 * every other client error (malformed HTTP, stalled headers, a reset) gets exactly what Node answers without a
 * handler. As Node does, nothing is written on a socket that is no longer writable or whose current response has
 * begun (a pipelined request's error must not corrupt the answer before it), and the connection is closed.
 */
export function answerClientErrors(server: Server, logger?: Logger): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    const overflow = err.code === 'HPE_HEADER_OVERFLOW';
    if (overflow) logger?.warn({ code: err.code, maxHeaderSize }, 'request headers too large');
    if (socket.writable && !inFlight?.headersSent) socket.write(overflow ? headersTooLargeAnswer() : nodeDefaultAnswer(err.code));
    // Node's own handler destroys with the error; its listener for socket errors is a no-op by now.
    socket.destroy(err);
  });
}
