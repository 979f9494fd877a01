// The clones started in this window, by `repoKey`. Module-level, so a clone keeps its progress
// (and its Cancel button) while you look at another view and come back.

import { AppError, cancelClone, cloneRepository, type CloneReport, type Repository } from './api';
import { cloneRequest, repoKey, type CloneState } from './repositories';

class Clones {
  /** Clone state by `repoKey`; no entry: not cloned (or cancelled). */
  states: Record<string, CloneState> = $state.raw({});

  // Bumped by `reset`, so answers to clones started before it are dropped.
  private generation = 0;

  private set(key: string, next: CloneState | undefined) {
    const copy = { ...this.states };
    if (next === undefined) delete copy[key];
    else copy[key] = next;
    this.states = copy;
  }

  /**
   * Clones `repo` into the default folder (a no-op while it is cloning or once cloned). A
   * cancelled clone leaves no trace; other failures stay on the row.
   */
  async start(repo: Repository, ondone?: (report: CloneReport) => void): Promise<void> {
    const key = repoKey(repo);
    const current = this.states[key];
    if (current && current.state !== 'failed') return;
    const gen = this.generation;
    const request = cloneRequest(repo);
    const mine = () => {
      const c = this.states[key];
      return gen === this.generation && c?.state === 'running' && c.request === request ? c : null;
    };
    this.set(key, { state: 'running', request, progress: null, cancelling: false });
    try {
      const report = await cloneRepository(request, (progress) => {
        const c = mine();
        if (c) this.set(key, { ...c, progress });
      });
      if (!mine()) return;
      this.set(key, { state: 'done', report });
      ondone?.(report);
    } catch (err) {
      if (!mine()) return;
      const e = AppError.from(err);
      this.set(
        key,
        e.code === 'Cancelled' ? undefined : { state: 'failed', code: e.code, message: e.message },
      );
    }
  }

  /** Asks the clone of `repo` to stop; its `start` then settles with `Cancelled`. */
  async cancel(repo: Repository): Promise<void> {
    const key = repoKey(repo);
    const c = this.states[key];
    if (c?.state !== 'running' || c.cancelling) return;
    this.set(key, { ...c, cancelling: true });
    try {
      await cancelClone(c.request);
    } catch (err) {
      // The clone goes on; let the user try again.
      const now = this.states[key];
      if (now?.state === 'running' && now.request === c.request)
        this.set(key, { ...now, cancelling: false });
      console.warn('Lanyard: could not cancel the clone', AppError.from(err).message);
    }
  }

  /** Forgets every clone (for tests). */
  reset() {
    this.generation += 1;
    this.states = {};
  }
}

export const clones = new Clones();
