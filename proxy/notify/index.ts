/** LISTEN / NOTIFY across proxies: the process's hub, each session's state, the meta link. */
export { NotificationHub, type NotifyLink, type NotificationListener } from './hub';
export { SessionNotifications, checkNotification, NOTIFY_PAYLOAD_MAX_BYTES } from './sessionNotify';
export { metaNotifyLink } from './metaLink';
