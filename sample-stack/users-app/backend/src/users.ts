// The users the sample app serves: an in-memory list, seeded so a fresh container has something to show.
export interface User {
  id: string;
  name: string;
  email: string;
  createdAt: string;
}

export type NewUserResult = { ok: true; user: User } | { ok: false; status: 400 | 409; code: string; message: string };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_NAME = 100;

export function createUserList() {
  const users = new Map<string, User>();
  let nextId = 1;

  const insert = (name: string, email: string): User => {
    const user: User = { id: String(nextId++), name, email, createdAt: new Date().toISOString() };
    users.set(user.id, user);
    return user;
  };

  insert('Ada Lovelace', 'ada@example.com');
  insert('Grace Hopper', 'grace@example.com');
  insert('Alan Turing', 'alan@example.com');

  return {
    list: (): User[] => [...users.values()],
    get: (id: string): User | undefined => users.get(id),
    /** Validates untrusted input and adds the user; the message names the field a person must fix. */
    add(input: unknown): NewUserResult {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        return { ok: false, status: 400, code: 'invalid_user', message: 'expected a JSON object {"name", "email"}' };
      }
      const { name, email } = input as Record<string, unknown>;
      if (typeof name !== 'string' || name.trim() === '') {
        return { ok: false, status: 400, code: 'invalid_user', message: 'name is required' };
      }
      if (name.trim().length > MAX_NAME) {
        return { ok: false, status: 400, code: 'invalid_user', message: `name must be at most ${MAX_NAME} characters` };
      }
      if (typeof email !== 'string' || !EMAIL.test(email.trim())) {
        return { ok: false, status: 400, code: 'invalid_user', message: 'email must be an address like name@example.com' };
      }
      const normalized = email.trim().toLowerCase();
      if ([...users.values()].some((u) => u.email === normalized)) {
        return { ok: false, status: 409, code: 'email_taken', message: `a user with email ${normalized} already exists` };
      }
      return { ok: true, user: insert(name.trim(), normalized) };
    },
  };
}

export type UserList = ReturnType<typeof createUserList>;
