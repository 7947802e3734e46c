// A write refused by a unique key, said in the same words by both stores: each recognises its own
// driver's duplicate-key error, and the API answers 409 with the message (http/errors.ts).
import { StoreConflictError } from './types.ts';

/** The message for each unique key a person can run into. */
export const CONFLICTS = {
  username: (username: string) => `the username "${username}" is taken (usernames are unique regardless of case)`,
  apiToken: (id: string) => `an API token with id ${id} or the same hash exists`,
  /** Ack tokens are random: a clash is a bug, and the whole enqueue is refused rather than a page lost quietly. */
  ackToken: (deliveryId: string) => `page ${deliveryId} carries the ack token hash of another stored page`,
} as const;

/** Runs `write`; an error `isDuplicate` recognises becomes a StoreConflictError saying `message`. */
export async function refuseDuplicate(write: () => unknown, isDuplicate: (err: unknown) => boolean, message: string): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (isDuplicate(err)) throw new StoreConflictError(message, { cause: err });
    throw err;
  }
}
