/*
 * Privileges. Today one process binds what needs root and then drops to the
 * configured user for good. The boundary is drawn so that the later split
 * (a small root parent handing descriptors to unprivileged workers over a
 * socket) replaces privdrop_bind_* with messages and nothing else.
 */
#ifndef NOCD_PRIVDROP_H
#define NOCD_PRIVDROP_H

#include <sys/types.h>

/* Drop to `user`: supplementary groups cleared, real/effective/saved IDs
 * changed and checked, capabilities cleared, no_new_privs set. Only when
 * running as root; a no-op otherwise. Returns 0 or -1. */
int privdrop_to_user(const char *user);
/* uid/gid of a user, -1 if unknown. */
int privdrop_lookup(const char *user, uid_t *uid, gid_t *gid);
/* Raise RLIMIT_NOFILE to the hard limit: one socket per polled device. */
void privdrop_raise_nofile(void);

#endif
