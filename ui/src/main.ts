import { mount } from 'svelte';

import './app.css';
import App from './App.svelte';
import { isTauri, uiReady } from './lib/api';

const target = document.getElementById('app');
if (!target) throw new Error('Lanyard: #app element missing from index.html');

const script = performance.now();
const app = mount(App, { target });
const mounted = performance.now();

// Two frames: the first paints the mounted app, the callback of the second runs after it.
if (isTauri()) {
  requestAnimationFrame((firstFrame) =>
    requestAnimationFrame((secondFrame) => {
      const marks = {
        timeOrigin: performance.timeOrigin,
        script,
        mounted,
        firstFrame,
        secondFrame,
      };
      void uiReady(marks).catch(() => {});
    }),
  );
}

export default app;
