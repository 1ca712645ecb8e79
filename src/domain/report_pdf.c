/* report_pdf.c: the HTML report printed to PDF by an installed renderer (WeasyPrint, else headless
 * Chromium), in a private temporary folder; the PDF replaces path (0600, as every output) only when
 * the renderer succeeded. */
#include "qrel/qrel.h"
#include "qrel/report.h"
#include "qrel/util.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define RENDER_SECONDS 300	/* a renderer still running then is stopped */

/* The first of names found on $PATH, copied into out. */
static bool
find_program(const char *const *names, char *out, size_t n)
{
	const char *path = getenv("PATH");

	for (; *names; names++) {
		for (const char *p = path; p && *p;) {
			const char *colon = strchr(p, ':');
			size_t len = colon ? (size_t)(colon - p) : strlen(p);

			snprintf(out, n, "%.*s/%s", (int)len, p, *names);
			if (len && access(out, X_OK) == 0)
				return true;
			p = colon ? colon + 1 : NULL;
		}
	}
	return false;
}

/* Runs argv with its output into log; QREL_OK when it exits 0. */
static int
run(char *const *argv, const char *log)
{
	posix_spawn_file_actions_t fa;
	int status = 0, waited = 0;
	pid_t pid, got;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return error(QREL_IO, "cannot run %s: %s", argv[0], strerror(errno));
	}
	posix_spawn_file_actions_destroy(&fa);
	while ((got = waitpid(pid, &status, WNOHANG)) == 0 && waited++ < RENDER_SECONDS * 10)
		usleep(100000);
	if (got == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return error(QREL_IO, "%s did not finish within %d seconds", argv[0], RENDER_SECONDS);
	}
	if (got < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return error(QREL_IO, "%s failed (see its messages above)", argv[0]);
	return QREL_OK;
}

static int
render(const char *dir, const char *html, const char *pdf)
{
	static const char *const weasy[] = { "weasyprint", NULL };
	static const char *const chrome[] = { "chromium", "chromium-browser", NULL };
	char prog[4096], log[1100], profile[1200], out_arg[1200], url[1200];

	snprintf(log, sizeof(log), "%s/renderer.log", dir);
	if (find_program(weasy, prog, sizeof(prog))) {
		char *argv[] = { prog, "--quiet", (char *)html, (char *)pdf, NULL };

		return run(argv, log);
	}
	if (!find_program(chrome, prog, sizeof(prog)))
		return error(QREL_NOTFOUND, "no PDF renderer: install the Debian package weasyprint or chromium "
			     "(or write .html and print it from a browser)");
	snprintf(profile, sizeof(profile), "--user-data-dir=%s/profile", dir);
	snprintf(out_arg, sizeof(out_arg), "--print-to-pdf=%s", pdf);
	snprintf(url, sizeof(url), "file://%s", html);
	{
		char *argv[] = { prog, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
				 "--disable-background-networking", "--disable-component-update", "--disable-sync",
				 "--no-pdf-header-footer", profile, out_arg, url, NULL };

		return run(argv, log);
	}
}

/* Shows the renderer's messages when it failed. */
static void
show_log(const char *dir)
{
	char *path = path_join(dir, "renderer.log");
	char *text = file_read(path, NULL);

	if (text && *text)
		fprintf(stderr, "%s", text);
	free(text);
	free(path);
}

static int
remove_tree(const char *dir)
{
	char *argv[] = { "/bin/rm", "-rf", (char *)dir, NULL };
	pid_t pid;
	int status;

	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return QREL_IO;
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? QREL_OK : QREL_IO;
}

/* path made absolute (malloc'd), for the renderer's file:// and the rename. */
static char *
absolute(const char *path)
{
	char cwd[4096];

	if (path[0] == '/')
		return xstrdup(path);
	if (!getcwd(cwd, sizeof(cwd))) {
		error(QREL_IO, "cannot read the current folder: %s", strerror(errno));
		return NULL;
	}
	return path_join(cwd, path);
}

int
report_save_pdf(const struct report *r, const char *path)
{
	const char *tmp = getenv("TMPDIR");
	char dir[1024], html[1100], pdf[1100], *target = absolute(path);
	int rc;

	if (!target)
		return QREL_IO;
	snprintf(dir, sizeof(dir), "%.900s/qrel-pdf-XXXXXX", tmp && *tmp && strlen(tmp) < 900 ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		free(target);
		return error(QREL_IO, "cannot make a temporary folder: %s", strerror(errno));
	}
	snprintf(html, sizeof(html), "%s/report.html", dir);
	snprintf(pdf, sizeof(pdf), "%s/report.pdf", dir);
	rc = report_save(r, REPORT_HTML, html);
	if (rc == QREL_OK && (rc = render(dir, html, pdf)) != QREL_OK && rc != QREL_NOTFOUND)
		show_log(dir);
	if (rc == QREL_OK && access(pdf, R_OK) != 0)
		rc = error(QREL_IO, "the renderer wrote no PDF");
	/* Through the one output writer, as every other format: 0600, synced, renamed. */
	if (rc == QREL_OK) {
		char *data;
		size_t len;

		rc = (data = file_read(pdf, &len)) ? file_replace(target, data, len) : QREL_IO;
		free(data);
	}
	remove_tree(dir);
	free(target);
	return rc;
}
