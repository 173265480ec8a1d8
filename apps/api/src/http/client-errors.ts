/**
 * Errors node's HTTP parser raises before Fastify sees a request (a malformed request line, conflicting
 * Content-Length and Transfer-Encoding, headers over the size limit): answered with problem+json like every
 * other refusal, as a complete HTTP/1.1 response, and the connection closed.
 */
import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { PROBLEM_CONTENT_TYPE, problemType } from "./problems.js";

interface ParserProblem {
  status: number;
  code: string;
  detail: string;
}

/** Node's parser codes (llhttp's `HPE_…` and node's own) to what we tell the client. */
function parserProblem(code: string | undefined): ParserProblem {
  if (code === "HPE_HEADER_OVERFLOW")
    return {
      status: 431,
      code: "header_too_large",
      detail: "The request line and headers are larger than the server accepts (16 KiB)",
    };
  if (code === "ERR_HTTP_REQUEST_TIMEOUT" || code === "ERR_HTTP_HEADERS_TIMEOUT")
    return { status: 408, code: "request_timeout", detail: "The request did not arrive in time" };
  if (code === "HPE_UNEXPECTED_CONTENT_LENGTH" || code === "HPE_INVALID_TRANSFER_ENCODING")
    return {
      status: 400,
      code: "bad_request",
      detail: "The request has conflicting or invalid Content-Length and Transfer-Encoding headers",
    };
  return { status: 400, code: "bad_request", detail: "The request is not valid HTTP/1.1" };
}

/** The raw response for a parser error: status line, headers and a problem+json body. */
export function parserErrorResponse(code: string | undefined, requestId: string = randomUUID()): string {
  const problem = parserProblem(code);
  const body = JSON.stringify({
    type: problemType(problem.code),
    title: STATUS_CODES[problem.status] ?? "Bad request",
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
    request_id: requestId,
  });
  return [
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? "Bad Request"}`,
    `content-type: ${PROBLEM_CONTENT_TYPE}`,
    `content-length: ${Buffer.byteLength(body)}`,
    `x-request-id: ${requestId}`,
    "connection: close",
    "",
    body,
  ].join("\r\n");
}

/** Fastify's `clientErrorHandler`. */
export function handleClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset has no one left to tell; a response already under way cannot be followed by another.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  socket.end(parserErrorResponse(error.code));
}
