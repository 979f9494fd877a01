import { mount } from 'svelte';

import './app.css';
import App from './App.svelte';
import { isTauri, uiReady } from './lib/api';
import { loadViewState } from './lib/view-state';

const target = document.getElementById('app');
if (!target) throw new Error('Lanyard: #app element missing from index.html');

const script = performance.now();
// Where the window was left comes first (one round trip to the shell): the views start there.
void loadViewState().then(() => start(target));

function start(target: HTMLElement) {
  mount(App, { target });
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
}
