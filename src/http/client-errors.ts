import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError } from './errors.js';

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (a bad request line, a bad
 * header, a bad Content-Length, headers too large, a request that never finished). The socket is
 * answered with a well-formed response in OpenAI's envelope where one can still be written, then
 * closed: after a parse error nothing more can be read from it safely.
 */
const PARSER_ERRORS: Record<string, [status: number, message: string, code: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'The request headers are too large. Send fewer or shorter headers.', 'headers_too_large'],
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'The request was not received in time. Send the headers and body without pausing.',
    'request_timeout',
  ],
  HPE_INVALID_CONTENT_LENGTH: [400, 'The Content-Length header is not a valid number.', 'invalid_content_length'],
  HPE_UNEXPECTED_CONTENT_LENGTH: [
    400,
    'Send either Content-Length or Transfer-Encoding: chunked, not both.',
    'invalid_content_length',
  ],
  HPE_INVALID_TRANSFER_ENCODING: [
    400,
    'The Transfer-Encoding header is not valid: only chunked is accepted, and never together with Content-Length.',
    'invalid_transfer_encoding',
  ],
  HPE_INVALID_CHUNK_SIZE: [400, 'A chunk of the chunked body has an invalid size.', 'invalid_chunked_body'],
  HPE_INVALID_METHOD: [400, 'The HTTP method is not valid.', 'invalid_request_line'],
  HPE_INVALID_URL: [400, 'The request target is not a valid URL path.', 'invalid_request_line'],
  HPE_INVALID_VERSION: [400, 'The HTTP version is not valid; send HTTP/1.1.', 'invalid_request_line'],
  HPE_INVALID_CONSTANT: [400, 'The request line is not valid HTTP.', 'invalid_request_line'],
  HPE_INVALID_HEADER_TOKEN: [400, 'A header name or value contains characters HTTP does not allow.', 'invalid_header'],
  HPE_LF_EXPECTED: [400, 'A line of the request does not end with CRLF.', 'invalid_header'],
  HPE_CR_EXPECTED: [400, 'A line of the request does not end with CRLF.', 'invalid_header'],
};

export function clientErrorToApiError(err: { code?: string }): ApiError {
  const [status, message, code] = PARSER_ERRORS[err.code ?? ''] ?? [
    400,
    'The request is not valid HTTP/1.1.',
    'malformed_request',
  ];
  return new ApiError(status, message, 'invalid_request_error', null, code);
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
};

/** The `clientError` listener Fastify installs on its server (its `clientErrorHandler` option). */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const apiError = clientErrorToApiError(err);
  const body = JSON.stringify(apiError.toBody());
  // A response already under way on this socket (a pipelined request) cannot be followed by another.
  const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && !current?.headersSent) {
    socket.end(
      `HTTP/1.1 ${apiError.status} ${REASONS[apiError.status] ?? 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroySoon();
}

/** Node answers an `Expect` other than `100-continue` with a bare 417 unless someone listens. */
export function answerUnknownExpectation(request: IncomingMessage, response: ServerResponse): void {
  const expectation = String(request.headers.expect ?? '').slice(0, 64);
  const apiError = new ApiError(
    417,
    `Expect: ${expectation} is not supported; only Expect: 100-continue is.`,
    'invalid_request_error',
    'Expect',
    'unsupported_expectation',
  );
  const body = JSON.stringify(apiError.toBody());
  response.writeHead(417, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  response.end(body);
}
