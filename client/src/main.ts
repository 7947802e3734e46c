import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createAppRouter } from './router.ts';
import { configureApi } from './lib/api.ts';
import { useSessionStore } from './stores/useSessionStore.ts';
import { initTheme } from './composables/useTheme.ts';
import './styles/tokens.css';
import './styles/base.css';

initTheme();

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
const router = createAppRouter(pinia);

configureApi({
  csrfToken: () => useSessionStore(pinia).csrfToken,
  // A 401 nobody expected: the session ended (expired, revoked, signed out elsewhere).
  onUnauthorized: () => {
    useSessionStore(pinia).clear();
    const current = router.currentRoute.value;
    if (current.name !== 'login') void router.push({ name: 'login', query: { next: current.fullPath } });
  },
});

app.use(router);
app.mount('#app');
