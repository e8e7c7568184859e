/*
 * Everything a device or a user says may end up in a file name. These turn
 * any byte string into one safe path component, injectively, so that two
 * different names never share a file and no name can leave its directory.
 */
#ifndef NOCD_SANITIZE_H
#define NOCD_SANITIZE_H

#include <stddef.h>

#define SANITIZED_MAX 128	/* longest component produced, NUL included */

/*
 * Keep [A-Za-z0-9.-], write every other byte (and '_') as _XX (hex), escape a
 * leading '.', map "" to "_". A result longer than SANITIZED_MAX-1 is cut and
 * ends in a hash of the whole input so that it stays unique.
 * Returns 0, or -1 when outlen < SANITIZED_MAX.
 */
int name_sanitize(const char *in, char *out, size_t outlen);

/* A name a user may give a device or a metric: 1-63 chars of [A-Za-z0-9._-],
 * not starting with '.' or '-'. */
int name_is_valid(const char *s);

/* An RRD data source name: 1-19 chars of [A-Za-z0-9_]. */
int ds_name_is_valid(const char *s);

#endif
