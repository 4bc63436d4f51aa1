// Sign-in with an API token (kept in sessionStorage: closing the tab signs out).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { errorText, signIn, useConsole } from '../store.js';

export function SignIn() {
  const { notice } = useConsole();
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try { await signIn(token.trim()); } catch (err) { setError(errorText(err)); } finally { setBusy(false); }
  };
  return html`
    <main class="signin">
      <h1>virtsim console</h1>
      <form onSubmit=${submit}>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required value=${token}
          onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled=${busy || !token.trim()}>Sign in</button>
        ${(error || notice?.kind === 'error') && html`<p role="alert" class="error">${error ?? notice?.text}</p>`}
      </form>
      <p class="hint">The token is one of VIRTSIM_API_TOKENS, or the admin token printed at first start.</p>
    </main>`;
}
