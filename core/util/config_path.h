/* config_path: where quiescent's own settings files live (known_hosts, guest-logins,
 * retention, keys), found the same way by every reader. */
#ifndef QUIESCENT_UTIL_CONFIG_PATH_H
#define QUIESCENT_UTIL_CONFIG_PATH_H

/* "$XDG_CONFIG_HOME/quiescent/NAME", else "$HOME/.config/quiescent/NAME" (malloc'ed), or NULL
 * when neither variable is set. */
char *config_path(const char *name);

#endif
