import type { Socket } from 'socket.io';

/** A client that reads nothing still frees its sync slot, one answer per this long at most. */
const GIVE_UP_MS = 30_000;

/**
 * Sends with `send` and resolves once that has been handed to the transport (engine.io's `flush`
 * of its write buffer), or the connection ended. While the transport is still busy with an earlier
 * answer the new one waits in engine.io's buffer and this does not resolve: a client that stops
 * reading holds at most one answer in the transport and one in the buffer, not ever more copies.
 */
export function sendAndFlush(socket: Socket, send: () => void): Promise<void> {
  if (socket.disconnected) {
    send();
    return Promise.resolve();
  }
  const conn = socket.conn;
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      conn.off('flush', done);
      socket.off('disconnect', done);
      resolve();
    };
    const timer = setTimeout(done, GIVE_UP_MS);
    // Before sending: when the transport is free, the flush happens inside send().
    conn.on('flush', done);
    socket.on('disconnect', done);
    send();
  });
}
