import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CONNECTED_FRAME, SSE_HEADERS, SseSink } from './stream.sse.js';

/**
 * Take the response over from Fastify and send the SSE headers at once (sdk-contract.md 12.1:
 * the SDK's connect timeout runs until headers arrive). Headers set by earlier hooks (CORS) are
 * kept; the security headers Fastify's onSend would add are not needed on an event stream
 * beyond `nosniff`, which SSE_HEADERS carries.
 */
export function openEventStream(request: FastifyRequest, reply: FastifyReply): SseSink {
  reply.hijack();
  const res = reply.raw;
  const headers: OutgoingHttpHeaders = {
    ...(reply.getHeaders() as OutgoingHttpHeaders),
    ...SSE_HEADERS,
    'x-request-id': request.id,
  };
  res.writeHead(200, headers);
  res.flushHeaders();
  const socket = request.raw.socket;
  // Events are small and latency matters more than packet count; the stream never idles out.
  socket.setNoDelay(true);
  socket.setTimeout(0);
  const sink = new SseSink(res);
  // A first body byte at once: a proxy that holds headers until the body starts (nginx over
  // HTTP/2) would otherwise keep the client's connect timeout running until the first event.
  sink.write(CONNECTED_FRAME);
  return sink;
}
