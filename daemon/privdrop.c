/*
 * Dropping root for good: groups first, then gid, then uid, each checked;
 * capabilities cleared; no_new_privs so that nothing exec'd can regain them.
 */
#include "config.h"

#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "privdrop.h"

int
privdrop_lookup(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return -1;
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	return 0;
}

int
privdrop_to_user(const char *user)
{
	uid_t uid, ru, eu, su;
	gid_t gid, rg, eg, sg;

	if (geteuid() != 0) {
		log_debug("not started as root: running as uid %u", (unsigned)geteuid());
		return 0;
	}
	if (privdrop_lookup(user, &uid, &gid) < 0) {
		log_warnx("user %s does not exist", user);
		return -1;
	}
	if (uid == 0) {
		log_warnx("user %s is root: refusing to run as root", user);
		return -1;
	}
	if (setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0) {
		log_warn("dropping privileges to %s", user);
		return -1;
	}
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
	    ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid) {
		log_warnx("privileges not dropped: ids did not change");
		return -1;
	}
	if (setuid(0) == 0 || setgid(0) == 0 || getgroups(0, NULL) > 1) {
		log_warnx("privileges not dropped: root can be regained");
		return -1;
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_apply(CAPNG_SELECT_BOTH) < 0) {
		log_warnx("cannot clear capabilities");
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_warn("no_new_privs");
		return -1;
	}
	capng_get_caps_process();
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
		log_warnx("capabilities left after dropping privileges");
		return -1;
	}
	log_info("running as %s (uid %u, gid %u)", user, (unsigned)uid, (unsigned)gid);
	return 0;
}

void
privdrop_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("raising the open files limit");
	}
	log_debug("open files limit %llu", (unsigned long long)rl.rlim_cur);
}
