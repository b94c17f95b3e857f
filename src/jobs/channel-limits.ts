import type { Database } from '../db/database.js';
import { UpstreamRate } from '../limits/upstream-rate.js';
import { ChannelSlots } from './channel-slots.js';
import { SubmissionPace } from './submission-pace.js';

/** A channel's limits as the job engine applies them, both counted in the database the instances share. */
export interface ChannelLimits {
  /** Concurrency: jobs holding the channel at once. */
  slots: ChannelSlots;
  /** Submissions per key within `rateWindowMs` (a channel's `rpm`). */
  pace: SubmissionPace;
}

export function channelLimits(
  database: Pick<Database, 'db' | 'dialect'>,
  settings: { instanceId: string; rateWindowMs: number },
): ChannelLimits {
  const { db, dialect } = database;
  const { instanceId, rateWindowMs } = settings;
  return {
    slots: new ChannelSlots(db, { dialect, instanceId }),
    pace: new SubmissionPace(new UpstreamRate(db, { dialect, windowMs: rateWindowMs })),
  };
}
