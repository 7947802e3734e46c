// Who is signed in, and the CSRF token their changes must carry.
import { computed, ref } from 'vue';
import { defineStore } from 'pinia';
import type { LoginResponse, PublicUser } from '@vigil/server/contract';
import { api, ApiError } from '../lib/api.ts';
import { isLoginResponse } from '../lib/wire.ts';
import { useConnectionStore } from './useConnectionStore.ts';

export const useSessionStore = defineStore('session', () => {
  const user = ref<PublicUser | null>(null);
  const csrfToken = ref<string | null>(null);
  /** True once GET /api/auth/me has answered (either way) since the page loaded. */
  const checked = ref(false);
  /** Why the session could not be checked (server unreachable…); null when it could. */
  const checkError = ref<string | null>(null);

  const signedIn = computed(() => user.value !== null);

  function signIn(answer: LoginResponse): void {
    user.value = answer.user;
    csrfToken.value = answer.csrfToken;
    checked.value = true;
    checkError.value = null;
    useConnectionStore().connect();
  }

  /** Forgets the session locally (after logout, or when the server says it is gone). */
  function clear(): void {
    user.value = null;
    csrfToken.value = null;
    useConnectionStore().disconnect();
  }

  async function login(username: string, password: string): Promise<PublicUser> {
    const answer = await api.post('/api/auth/login', { username, password }, { unauthorizedIsAnswer: true });
    if (!isLoginResponse(answer)) throw new ApiError(502, 'bad_answer', 'Vigil answered the sign-in in a shape this page does not understand; reload the page.');
    signIn(answer);
    return answer.user;
  }

  /** Asks the server who the cookie belongs to; null when nobody (or only a bearer token). */
  async function loadMe(): Promise<PublicUser | null> {
    try {
      const answer = await api.get('/api/auth/me', { unauthorizedIsAnswer: true });
      if (isLoginResponse(answer)) {
        signIn(answer);
        return answer.user;
      }
      clear();
      checked.value = true;
      checkError.value = null;
      return null;
    } catch (err) {
      clear();
      if (err instanceof ApiError && err.status === 401) {
        checked.value = true;
        checkError.value = null;
        return null;
      }
      checkError.value = err instanceof Error ? err.message : String(err);
      return null;
    }
  }

  /** Ends the session on the server; if the server cannot be reached the session stays (and says so). */
  async function logout(): Promise<void> {
    try {
      await api.post('/api/auth/logout', undefined, { unauthorizedIsAnswer: true });
    } catch (err) {
      // Already signed out on the server is still signed out.
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
    clear();
  }

  return { user, csrfToken, checked, checkError, signedIn, login, loadMe, logout, clear };
});
