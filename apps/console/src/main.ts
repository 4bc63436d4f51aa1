// The virtsim web console: sign in with an API token, then follow the system live or travel back in its log.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import { html } from './html.js';
import { errorText, notify, savedToken, signIn, useConsole } from './store.js';
import { css } from './styles.js';
import { Shell } from './views/shell.js';
import { SignIn } from './views/signin.js';

function App() {
  const { api } = useConsole();
  const [resuming, setResuming] = useState(() => savedToken() !== null);
  useEffect(() => {
    const token = savedToken();
    if (!token) return;
    signIn(token).catch((err) => notify({ kind: 'error', text: errorText(err) })).finally(() => setResuming(false));
  }, []);
  if (resuming && !api) return html`<p class="loading">Signing in…</p>`;
  return api ? html`<${Shell} />` : html`<${SignIn} />`;
}

const sheet = new CSSStyleSheet();
sheet.replaceSync(css);
document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
render(html`<${App} />`, document.getElementById('app')!);
