// Runs in the browser: the frontend server strips the types when it serves this file as /app.js.
// Loads the users through the frontend's /api proxy every few seconds, so an outage shows up here
// the way users would see it: a red box saying what failed.
const REFRESH_MS = 5000;
const errorBox = document.getElementById('error') as HTMLElement;
const tbody = document.getElementById('users') as HTMLElement;
const statusLine = document.getElementById('status') as HTMLElement;
const form = document.getElementById('add') as HTMLFormElement;

function showError(message: string | null): void {
  errorBox.textContent = message ?? '';
  errorBox.classList.toggle('visible', message !== null);
}

async function describeFailure(res: Response): Promise<string> {
  try {
    const body = await res.json();
    if (body && body.error && typeof body.error.message === 'string') return `${res.status}: ${body.error.message}`;
  } catch { /* not JSON: fall through to the status line */ }
  return `${res.status} ${res.statusText}`;
}

async function load(): Promise<void> {
  try {
    const res = await fetch('/api/users', { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`Could not load users (${await describeFailure(res)})`);
    const users = (await res.json()) as { name: string; email: string }[];
    tbody.replaceChildren(...users.map((u) => {
      const tr = document.createElement('tr');
      for (const text of [u.name, u.email]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    }));
    showError(null);
    statusLine.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    showError(err instanceof Error && err.message.startsWith('Could not') ? err.message : 'Could not load users: the server cannot be reached');
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  try {
    const res = await fetch('/api/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ name: data.get('name'), email: data.get('email') }),
    });
    if (!res.ok) throw new Error(`Could not add the user (${await describeFailure(res)})`);
    form.reset();
    await load();
  } catch (err) {
    showError(err instanceof Error && err.message.startsWith('Could not') ? err.message : 'Could not add the user: the server cannot be reached');
  }
});

void load();
setInterval(() => void load(), REFRESH_MS);
export {};
