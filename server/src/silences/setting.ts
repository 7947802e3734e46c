// The longest silence Vigil makes on an acknowledgement: an admin's setting in the store, cached by
// the leader (PUT /api/silence-settings is passed to the leader, which forgets its copy then).
import { DEFAULT_SILENCE_MAX_SECONDS, SILENCE_MAX_SECONDS_RANGE } from '../contract/index.ts';
import type { SettingRepository } from '../store/types.ts';

export const SILENCE_SETTING = 'silences.maxDurationSeconds';

export class SilenceDuration {
  private readonly settings: SettingRepository;
  private cached: number | undefined;

  constructor(settings: SettingRepository) {
    this.settings = settings;
  }

  async seconds(): Promise<number> {
    if (this.cached !== undefined) return this.cached;
    const stored = Number(await this.settings.get(SILENCE_SETTING));
    const ok = Number.isInteger(stored) && stored >= SILENCE_MAX_SECONDS_RANGE.min && stored <= SILENCE_MAX_SECONDS_RANGE.max;
    this.cached = ok ? stored : DEFAULT_SILENCE_MAX_SECONDS;
    return this.cached;
  }

  /** Read from the store now (what the API shows: on a follower the cache would not hear the leader's save). */
  async fresh(): Promise<number> {
    this.cached = undefined;
    return this.seconds();
  }

  async save(seconds: number): Promise<void> {
    await this.settings.put(SILENCE_SETTING, String(seconds));
    this.cached = seconds;
  }
}
