/* external_editor.c: a text round trip through the user's editor: temp file, fork, execvp, wait. */
#include "qrel/qrel.h"
#include "qrel/external_editor.h"
#include "qrel/privilege.h"
#include "qrel/text.h"
#include "qrel/util.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define EDITOR_MAX_WORDS 32

const char *
external_editor_command(void)
{
	const char *names[] = { "VISUAL", "EDITOR" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const char *v = getenv(names[i]);

		if (v && strspn(v, " ") < strlen(v))
			return v;
	}
	return "vi";
}

/* Splits cmd (copied into buf) on spaces only: quotes mean nothing, as no shell runs. */
static int
split_words(char *buf, char **argv, int max)
{
	int n = 0;

	for (char *p = strtok(buf, " "); p && n < max; p = strtok(NULL, " "))
		argv[n++] = p;
	argv[n] = NULL;
	return n;
}

static int
write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t k = write(fd, s, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		s += k;
		n -= (size_t)k;
	}
	return 0;
}

/* A text file ends with a newline; without one, editors flag or add it, and a
 * line appended by a script would run on from the last. */
static int
write_text(int fd, const char *s)
{
	size_t n = strlen(s);

	if (write_all(fd, s, n) != 0)
		return -1;
	return n && s[n - 1] != '\n' ? write_all(fd, "\n", 1) : 0;
}

/* A new file only we can read, holding initial; its name goes to path. */
static int
make_temp(const char *initial, char *path, size_t size)
{
	const char *dir = getenv("TMPDIR");
	int fd, e = 0;
	bool ok;

	dir = dir && *dir ? dir : "/tmp";
	snprintf(path, size, "%s/qrel-edit-XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0)
		return error(QREL_IO, "cannot create a temporary file in %s: %s", dir, strerror(errno));
	ok = fchmod(fd, S_IRUSR | S_IWUSR) == 0 && write_text(fd, initial ? initial : "") == 0;
	if (!ok)
		e = errno;
	if (close(fd) != 0 && ok) {
		ok = false;
		e = errno;
	}
	if (ok)
		return QREL_OK;
	unlink(path);
	return error(QREL_IO, "cannot write the temporary file %s: %s", path, strerror(e));
}

/* In the child: no team group (a setgid qrel has dropped it at the open
 * already; this makes sure), the terminal's signals back, then the editor. */
static void
exec_editor(char **argv)
{
	privilege_end();
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	execvp(argv[0], argv);
	_exit(127);
}

/* As system() does, Ctrl-C while the editor runs is the editor's, not ours. */
static int
run_editor(char **argv, int *status)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	pid_t pid;
	int rc = 0;

	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	if ((pid = fork()) == 0)
		exec_editor(argv);
	if (pid < 0)
		rc = -1;
	while (pid > 0 && waitpid(pid, status, 0) < 0) {
		if (errno != EINTR) {
			rc = -1;
			break;
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return rc;
}

static int
editor_failed(const char *cmd, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return error(QREL_IO, "could not run the editor '%s'", cmd);
	if (WIFEXITED(status))
		return error(QREL_IO, "the editor '%s' exited with status %d", cmd, WEXITSTATUS(status));
	return error(QREL_IO, "the editor '%s' was stopped by signal %d", cmd,
		     WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int
edit_file(const char *path)
{
	const char *cmd = external_editor_command();
	char *buf = xstrdup(cmd), *argv[EDITOR_MAX_WORDS + 2];
	int n = split_words(buf, argv, EDITOR_MAX_WORDS), status = 0, rc;

	argv[n] = (char *)path;
	argv[n + 1] = NULL;
	if (run_editor(argv, &status) != 0)
		rc = error(QREL_IO, "cannot start the editor '%s': %s", cmd, strerror(errno));
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		rc = editor_failed(cmd, status);
	else
		rc = QREL_OK;
	free(buf);
	return rc;
}

int
external_edit(const char *initial, char **result)
{
	char path[4096];
	size_t len = 0, bad;
	int rc;

	*result = NULL;
	if ((rc = make_temp(initial, path, sizeof(path))) != QREL_OK)
		return rc;
	if ((rc = edit_file(path)) == QREL_OK && !(*result = file_read(path, &len)))
		rc = error(QREL_IO, "cannot read back the edited text: %s", error_message());
	else if (rc == QREL_OK && !text_valid(*result, len, &bad))
		rc = error(QREL_PARSE, "the edited text is not valid UTF-8 (byte %zu); nothing was kept", bad + 1);
	else if (rc == QREL_OK && strlen(*result) != len)
		rc = error(QREL_PARSE, "the edited text holds a NUL byte; nothing was kept");
	if (rc != QREL_OK) {
		free(*result);
		*result = NULL;
	}
	unlink(path);
	return rc;
}
