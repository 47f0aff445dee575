/** The hub's link to the NOTIFY log in meta (meta/sessionMethods.ts). */
import type { MetaClient } from '../../common/clients/metaClient';
import type { LoggedNotification, NotifyLink } from './hub';

export function metaNotifyLink(meta: MetaClient): NotifyLink {
  return {
    async publish(origin, pid, items) {
      await meta.call('meta.notify', { origin, pid, items });
    },
    poll(after, waitMs) {
      // The leader holds the poll up to waitMs: the deadline covers it plus a retry.
      return meta.call<{ head: number; entries: LoggedNotification[]; lost: boolean }>(
        'meta.notifyPoll',
        { after, waitMs },
        waitMs + 5000,
      );
    },
  };
}
