import type { Socket } from 'socket.io';

/** A client that reads nothing still frees its sync slot, one answer per this long at most. */
const GIVE_UP_MS = 30_000;

/**
 * Resolves once what was last given to the socket has been handed to the network (its transport
 * reported "drain"), or the connection ended: a client that stops reading holds its answer in the
 * kernel's buffer, not in ever more copies in Vigil's memory.
 */
export function whenWritten(socket: Socket): Promise<void> {
  if (socket.disconnected) return Promise.resolve();
  const conn = socket.conn;
  const transport = conn.transport;
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      transport.off('drain', done);
      conn.off('upgrade', done);
      socket.off('disconnect', done);
      resolve();
    };
    const timer = setTimeout(done, GIVE_UP_MS);
    transport.on('drain', done);
    conn.on('upgrade', done);
    socket.on('disconnect', done);
  });
}
