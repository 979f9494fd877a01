import { mount } from 'svelte';

import './app.css';
import App from './App.svelte';
import { isTauri, uiReady } from './lib/api';

const target = document.getElementById('app');
if (!target) throw new Error('Lanyard: #app element missing from index.html');

const app = mount(App, { target });

// Two frames: the first paints the mounted app, the callback of the second runs after it.
if (isTauri()) requestAnimationFrame(() => requestAnimationFrame(() => void uiReady().catch(() => {})));

export default app;
