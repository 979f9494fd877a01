import { beforeEach } from 'vitest';

import { forgetViewState } from '../lib/view-state';

// Where a window was left is module state; each test opens its window for the first time.
beforeEach(() => forgetViewState());
