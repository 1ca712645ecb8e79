/* privilege.c: a setgid qrel (team mode) holds its group only while it opens the review database. */
#include "qrel/qrel.h"
#include "qrel/privilege.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

extern char **environ;

static gid_t team_gid = (gid_t)-1;	/* the saved set-group-ID, until privilege_end */
static mode_t user_umask;
static bool raised;

/* Going on with the group in an unknown state would be unsafe; _exit, as the
 * editor's child calls this too. */
static void
die(const char *what)
{
	fprintf(stderr, "qrel: %s: %s\n", what, strerror(errno));
	_exit(1);
}

/* A descriptor 0-2 left closed by the caller would otherwise be the next file
 * qrel opens, and a message meant for stderr would land in it. */
static void
open_standard_fds(void)
{
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF && open("/dev/null", O_RDWR) != fd)
			_exit(1);
}

/* The kernel makes a setgid process undumpable (no core file, no ptrace by the
 * user, /proc/PID/fd closed to them); a change of credentials may undo that
 * (fs.suid_dumpable), so this runs after each one. */
static void
no_core_dumps(void)
{
	struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);
#ifdef HAVE_SYS_PRCTL_H
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

static bool
kept_name(const char *entry)
{
	static const char *const names[] = {
		"TERM", "LANG", "TZ", "COLUMNS", "LINES", "NO_COLOR", "ESCDELAY", "PATH", "VISUAL", "EDITOR",
	};
	size_t n = strcspn(entry, "=");

	if (!entry[n])
		return false;
	if (n > 3 && strncmp(entry, "LC_", 3) == 0)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strlen(names[i]) == n && strncmp(entry, names[i], n) == 0)
			return true;
	return false;
}

/* Terminal and locale names are names, never paths (ncurses and glibc check
 * too, but only while they see the process as privileged). */
static bool
kept_value(const char *entry)
{
	const char *v = strchr(entry, '=') + 1;

	if (strlen(v) > 4096)
		return false;
	if (strncmp(entry, "TERM=", 5) == 0 || strncmp(entry, "LANG=", 5) == 0 || strncmp(entry, "LC_", 3) == 0)
		return !strchr(v, '/');
	return true;
}

/* Everything else goes: TMPDIR, XDG_*, QREL_* (data folder, test clock),
 * NLSPATH, LOCPATH, TERMINFO, TERMINFO_DIRS, TERMCAP, LD_*, SQLITE_TMPDIR ... */
static void
sanitise_environment(void)
{
	struct passwd *pw = getpwuid(getuid());
	size_t n = 0;
	char **keep;

	for (char **e = environ; e && *e; e++)
		n++;
	if (!(keep = calloc(n + 1, sizeof(*keep))))
		die("cleaning the environment");
	n = 0;
	for (char **e = environ; e && *e; e++)
		if (kept_name(*e) && kept_value(*e))
			keep[n++] = *e;
#ifdef HAVE_CLEARENV
	clearenv();
#else
	environ = NULL;
#endif
	for (size_t i = 0; i < n; i++)
		putenv(keep[i]);
	free(keep);
	if (pw && (setenv("HOME", pw->pw_dir, 1) || setenv("USER", pw->pw_name, 1) ||
		   setenv("LOGNAME", pw->pw_name, 1)))
		die("cleaning the environment");
}

/* Team mode expects its users outside the group; a member can open the
 * review's files without qrel, so say so rather than pretend otherwise. */
static void
warn_if_member(gid_t g)
{
	int n = getgroups(0, NULL);
	gid_t *list = n > 0 ? calloc((size_t)n, sizeof(*list)) : NULL;
	bool member = false;

	if (list && (n = getgroups(n, list)) > 0)
		for (int i = 0; i < n; i++)
			member |= list[i] == g;
	free(list);
	if (member) {
		struct group *gr = getgrgid(g);

		fprintf(stderr, "qrel: warning: you are in the team group '%s', so you can open its reviews "
			"without qrel; team mode expects its users outside the group\n", gr ? gr->gr_name : "?");
	}
}

void
privilege_init(void)
{
	gid_t real = getgid(), effective = getegid();

	if (real == effective && getuid() == geteuid())
		return;
	open_standard_fds();
	if (getuid() != geteuid()) {
		fprintf(stderr, "qrel: installed setuid; qrel runs setgid to the team group only (chmod u-s)\n");
		_exit(1);
	}
	no_core_dumps();
	team_gid = effective;
	if (setegid(real) != 0)
		die("cannot set the group back to your own");
	no_core_dumps();
	sanitise_environment();
	warn_if_member(team_gid);
}

bool privilege_held(void) { return team_gid != (gid_t)-1; }
gid_t privilege_group(void) { return team_gid; }

int
privilege_raise(void)
{
	if (team_gid == (gid_t)-1)
		return QREL_OK;
	if (setegid(team_gid) != 0)
		return error(QREL_IO, "cannot take the team group to open the review: %s", strerror(errno));
	user_umask = umask(007);
	raised = true;
	return QREL_OK;
}

/* Unprivileged setgid() would keep the saved set-group-ID, from which any code
 * run later could take the group back; setresgid clears all three. */
static int
drop_for_good(gid_t g)
{
#ifdef HAVE_SETRESGID
	gid_t r, e, s;

	return setresgid(g, g, g) != 0 || getresgid(&r, &e, &s) != 0 || r != g || e != g || s != g ? -1 : 0;
#else
	return setregid(g, g) != 0 || getegid() != g || setegid(team_gid) == 0 ? -1 : 0;
#endif
}

void
privilege_end(void)
{
	if (team_gid == (gid_t)-1)
		return;
	if (raised)
		umask(user_umask);
	raised = false;
	if (drop_for_good(getgid()) != 0)
		die("cannot drop the team group");
	team_gid = (gid_t)-1;
	no_core_dumps();
}
