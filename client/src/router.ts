// Routes, and the guard that sends a signed-out visitor to /login?next=… (after asking the server
// once per page load whether the cookie still holds a session).
import { createRouter, createWebHistory, type Router } from 'vue-router';
import type { Pinia } from 'pinia';
import { useSessionStore } from './stores/useSessionStore.ts';
import { safeNextPath } from './lib/navigation.ts';
import LoginPage from './pages/LoginPage.vue';
import AppShell from './components/shell/AppShell.vue';
import BoardPage from './pages/BoardPage.vue';
import NotFoundPage from './pages/NotFoundPage.vue';

// The board is the first thing anyone sees, so it ships in the entry; the rest load on first visit.
const IncidentPage = () => import('./pages/IncidentPage.vue');
const ContainersPage = () => import('./pages/ContainersPage.vue');
const StatusPage = () => import('./pages/StatusPage.vue');
// The Markdown renderer, sanitizer and diff come with this page only.
const PostmortemPage = () => import('./pages/PostmortemPage.vue');
// Admin only; non-admins who open it get a calm "admins only" page from the page itself.
const AdminPage = () => import('./pages/AdminPage.vue');
// Everyone's own settings (contact methods for pages), linked from the name in the header.
const AccountPage = () => import('./pages/AccountPage.vue');
// Alert history (GET /api/alerts).
const AlertsPage = () => import('./pages/AlertsPage.vue');

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean;
    /** Shown in the tab title: "<title> · Vigil". */
    title?: string;
  }
}

export function createAppRouter(pinia: Pinia): Router {
  const router = createRouter({
    history: createWebHistory(),
    routes: [
      { path: '/login', name: 'login', component: LoginPage, meta: { public: true, title: 'Sign in' } },
      {
        path: '/',
        component: AppShell,
        children: [
          { path: '', name: 'board', component: BoardPage, meta: { title: 'Board' } },
          { path: 'incidents/:id', name: 'incident', component: IncidentPage, meta: { title: 'Incident' } },
          { path: 'incidents/:id/postmortem', name: 'postmortem', component: PostmortemPage, meta: { title: 'Post-mortem' } },
          { path: 'containers', name: 'containers', component: ContainersPage, meta: { title: 'Containers' } },
          { path: 'alerts', name: 'alerts', component: AlertsPage, meta: { title: 'Alerts' } },
          { path: 'status', name: 'status', component: StatusPage, meta: { title: 'Status' } },
          { path: 'admin', name: 'admin', component: AdminPage, meta: { title: 'Admin' } },
          { path: 'account', name: 'account', component: AccountPage, meta: { title: 'Your account' } },
          { path: ':pathMatch(.*)*', name: 'not-found', component: NotFoundPage, meta: { title: 'Not found' } },
        ],
      },
    ],
  });

  router.beforeEach(async (to) => {
    const session = useSessionStore(pinia);
    if (!session.checked) await session.loadMe();
    if (to.meta.public) {
      if (to.name === 'login' && session.signedIn) return safeNextPath(to.query['next']);
      return true;
    }
    if (!session.signedIn) {
      return { name: 'login', query: { next: to.fullPath } };
    }
    return true;
  });

  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Vigil` : 'Vigil';
  });

  return router;
}
