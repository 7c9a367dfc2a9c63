import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Which sockets carry a request right now, so shutdown can close the others at once.
 *
 * Node's `closeIdleConnections` (Fastify's `forceCloseConnections: 'idle'`) only closes sockets
 * that have finished a request: a socket that was opened and has not sent a request yet counts as
 * busy until `headersTimeout`. Browsers open such sockets speculatively and HTTP clients open a
 * fresh one when a stream is aborted, so without this the process waited out its grace period
 * (and exited 1) instead of stopping. During shutdown: sockets with no request are destroyed,
 * sockets whose last request finishes are ended, and new sockets are refused.
 */
/** A socket asked to close that the peer keeps half-open is destroyed after this long. */
const END_GRACE_MS = 2_000;

function endSoon(socket: Socket): void {
  socket.end();
  setTimeout(() => socket.destroy(), END_GRACE_MS).unref();
}

export function trackConnections(server: Server): { closeIdle(): void; open(): { sockets: number; requests: number } } {
  const inFlight = new Map<Socket, number>();
  let closing = false;

  server.on('connection', (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });

  server.on('request', (req, res) => {
    const socket = req.socket;
    if (!inFlight.has(socket)) return;
    inFlight.set(socket, inFlight.get(socket)! + 1);
    res.once('close', () => {
      if (!inFlight.has(socket)) return;
      const left = inFlight.get(socket)! - 1;
      inFlight.set(socket, left);
      // The response is complete (or the client went away): flush and close the socket.
      if (closing && left === 0) endSoon(socket);
    });
  });

  return {
    open() {
      let requests = 0;
      for (const n of inFlight.values()) requests += n;
      return { sockets: inFlight.size, requests };
    },
    closeIdle(): void {
      closing = true;
      for (const [socket, n] of inFlight) {
        if (n > 0) continue;
        // An idle keep-alive socket may still be flushing its last response: let that go out.
        if (socket.writableLength > 0) endSoon(socket);
        else socket.destroy();
      }
    },
  };
}
