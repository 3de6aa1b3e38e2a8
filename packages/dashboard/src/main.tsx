/** The dashboard's entry (bundled by scripts/build.js into dist/assets/app-<hash>.js). */
import { render } from 'preact';
import { App } from './app.tsx';
import './style.css';

const root = document.getElementById('app');
if (!root) throw new Error('the page has no #app element to render the dashboard into (dist/index.html)');
render(<App />, root);
