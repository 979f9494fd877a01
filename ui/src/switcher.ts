// The quick-switcher window (a second, small, undecorated webview): its own page so it loads
// without the main window's views.

import { mount } from 'svelte';

import './app.css';
import Switcher from './lib/switcher/Switcher.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('Lanyard: #app element missing from switcher.html');

export default mount(Switcher, { target });
