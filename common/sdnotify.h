/*
 * systemd's readiness notification (Type=notify units): "READY=1" to
 * $NOTIFY_SOCKET once the daemon serves, so `systemctl start` returns
 * only then and the next command (shaobing token create) finds it up.
 * Does nothing without $NOTIFY_SOCKET (not started by systemd).
 */
#ifndef SHAOBING_SDNOTIFY_H
#define SHAOBING_SDNOTIFY_H

void	sdnotify_ready(void);

#endif
