/* harness.c: runs the real qrel in a pseudo-terminal, types scripted keys and
 * measures start time, key-to-screen latency, bytes sent to the terminal per key
 * and peak memory. qrel signals "screen complete" on QREL_BENCH_FD. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES 4096

struct child {
	pid_t pid;
	int pty, marks;
	long long bytes;	/* read from the terminal so far */
	long long text;		/* of them, the characters shown (not escape sequences or controls) */
	int esc;		/* where in an escape sequence the last byte left off */
};

struct series {
	const char *name;
	double ms[MAX_SAMPLES];
	long bytes[MAX_SAMPLES];
	long text[MAX_SAMPLES];
	int n;
};

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

enum { ESC_NONE, ESC_START, ESC_CSI, ESC_CHARSET };

/* Counts the bytes that are text on the screen: not ESC sequences (CSI up to its
 * final byte, a charset designation, ESC and one byte) nor control characters. */
static void
count_text(struct child *c, const unsigned char *b, ssize_t n)
{
	for (ssize_t i = 0; i < n; i++) {
		unsigned char x = b[i];

		switch (c->esc) {
		case ESC_START:
			c->esc = x == '[' ? ESC_CSI : x == '(' || x == ')' ? ESC_CHARSET : ESC_NONE;
			break;
		case ESC_CSI:
			if (x >= 0x40 && x <= 0x7e)
				c->esc = ESC_NONE;
			break;
		case ESC_CHARSET:
			c->esc = ESC_NONE;
			break;
		default:
			if (x == 0x1b)
				c->esc = ESC_START;
			else if (x >= 0x20 && x != 0x7f)
				c->text++;
		}
	}
}

static void
drain(struct child *c, int timeout_ms)
{
	char buf[65536];
	struct pollfd p = { c->pty, POLLIN, 0 };

	while (poll(&p, 1, timeout_ms) > 0) {
		ssize_t n = read(c->pty, buf, sizeof(buf));

		if (n <= 0)
			return;
		c->bytes += n;
		count_text(c, (const unsigned char *)buf, n);
		timeout_ms = 0;
	}
}

/* Waits for qrel's next "screen complete" byte, reading the terminal meanwhile. */
static int
wait_mark(struct child *c, int timeout_ms)
{
	double deadline = now_ms() + timeout_ms;
	struct pollfd p[2] = { { c->marks, POLLIN, 0 }, { c->pty, POLLIN, 0 } };
	char ch;

	while (now_ms() < deadline) {
		if (poll(p, 2, 50) <= 0)
			continue;
		if (p[1].revents & POLLIN)
			drain(c, 0);
		if ((p[0].revents & POLLIN) && read(c->marks, &ch, 1) == 1) {
			drain(c, 0);
			return 0;
		}
		if (p[0].revents & (POLLHUP | POLLERR))
			return -1;
	}
	return -1;
}

static int
spawn(struct child *c, char **argv, int cols, int rows)
{
	struct winsize ws = { (unsigned short)rows, (unsigned short)cols, 0, 0 };
	int marks[2];
	char fd[16];

	if (pipe(marks) != 0)
		return -1;
	c->pid = forkpty(&c->pty, NULL, NULL, &ws);
	if (c->pid < 0)
		return -1;
	if (c->pid == 0) {
		close(marks[0]);
		snprintf(fd, sizeof(fd), "%d", marks[1]);
		setenv("QREL_BENCH_FD", fd, 1);
		setenv("TERM", "xterm-256color", 1);
		setenv("LANG", "C.UTF-8", 1);
		setenv("LC_ALL", "C.UTF-8", 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(marks[1]);
	c->marks = marks[0];
	c->bytes = c->text = 0;
	c->esc = ESC_NONE;
	return 0;
}

static void
press(struct child *c, struct series *s, const char *keys)
{
	double t0 = now_ms();
	long long b0 = c->bytes, x0 = c->text;

	if (write(c->pty, keys, strlen(keys)) < 0 || wait_mark(c, 30000) != 0) {
		fprintf(stderr, "harness: no screen after %s key\n", s->name);
		return;
	}
	/* HARNESS_TRACE: each key's time on stderr, to find which key a p99 is. */
	if (getenv("HARNESS_TRACE"))
		fprintf(stderr, "%s %s %.2f ms\n", s->name, keys[0] == '\033' ? "ESC..." : keys, now_ms() - t0);
	if (s->n < MAX_SAMPLES) {
		s->ms[s->n] = now_ms() - t0;
		s->bytes[s->n] = (long)(c->bytes - b0);
		s->text[s->n] = (long)(c->text - x0);
		s->n++;
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Prints the series; false when it measured nothing: no samples, or keys of
 * which most changed nothing on the screen (a list already at its end). */
static bool
report(const struct series *s)
{
	double ms[MAX_SAMPLES];
	long bytes[MAX_SAMPLES], text[MAX_SAMPLES];
	int n = s->n, unchanged = 0;

	if (n == 0) {
		printf("%s,0,NA,NA,NA,NA,NA,NA\n", s->name);
		fprintf(stderr, "harness: series %s: no key gave a screen\n", s->name);
		return false;
	}
	for (int i = 0; i < n; i++)
		unchanged += s->bytes[i] == 0;
	memcpy(ms, s->ms, sizeof(double) * (size_t)n);
	memcpy(bytes, s->bytes, sizeof(long) * (size_t)n);
	memcpy(text, s->text, sizeof(long) * (size_t)n);
	qsort(ms, (size_t)n, sizeof(double), cmp_double);
	qsort(bytes, (size_t)n, sizeof(long), cmp_long);
	qsort(text, (size_t)n, sizeof(long), cmp_long);
	printf("%s,%d,%.2f,%.2f,%ld,%ld,%d,%ld\n", s->name, n, ms[n / 2], ms[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1],
	       bytes[n / 2], bytes[n - 1], unchanged, text[n / 2]);
	if (bytes[n / 2] > 0)
		return true;
	fprintf(stderr, "harness: series %s: %d of %d keys changed nothing on the screen\n", s->name, unchanged, n);
	return false;
}

static void
repeat(struct child *c, struct series *s, const char *keys, int times)
{
	for (int i = 0; i < times; i++)
		press(c, s, keys);
}

/* The scripted session; each series is one kind of key. False when a series
 * measured nothing. */
static bool
session(struct child *c, int rows)
{
	static struct series overview_move = { .name = "overview_move" }, overview_scroll = { .name = "overview_scroll" }, rubric_move = { .name = "rubric_move" },
		screen_switch = { .name = "screen_switch" }, site_switch = { .name = "site_switch" },
		evidence_move = { .name = "evidence_move" }, evidence_scroll = { .name = "evidence_scroll" },
		evidence_page = { .name = "evidence_page" },
		search = { .name = "search_first_page" }, search_rel = { .name = "search_relevance_page" },
		subgroup_move = { .name = "subgroup_move" }, across_sites = { .name = "across_sites" };
	struct series scratch = { .name = "scratch" };

	/* Moves within the page, then moves that scroll the list by a line. */
	for (int i = 0; i < 3; i++) {
		repeat(c, &overview_move, "j", 10);
		repeat(c, &overview_move, "k", 10);
	}
	repeat(c, &scratch, "j", 12);
	repeat(c, &overview_scroll, "j", 40);
	for (int i = 0; i < 10; i++) {
		press(c, &screen_switch, "R");
		press(c, &screen_switch, "E");
		press(c, &screen_switch, "S");
		press(c, &screen_switch, "O");
	}
	press(c, &scratch, "R");
	repeat(c, &rubric_move, "j", 15);
	repeat(c, &rubric_move, "k", 15);
	repeat(c, &site_switch, "]", 40);
	press(c, &scratch, "E");
	press(c, &scratch, "F");	/* every site's notes: a list long enough to page through */
	for (int i = 0; i < 3; i++) {	/* within the page, as overview_move */
		repeat(c, &evidence_move, "j", 10);
		repeat(c, &evidence_move, "k", 10);
	}
	repeat(c, &scratch, "j", rows - 7);	/* to the list's last row (rows - 6 of them) */
	repeat(c, &evidence_scroll, "j", 40);	/* each scrolls the list by a line */
	repeat(c, &evidence_page, "\033[6~", 40);
	for (int i = 0; i < 10; i++) {
		const char *words[] = { "students", "families", "data", "equity", "discipline" };

		press(c, &scratch, "/");
		for (const char *w = words[i % 5]; *w; w++) {
			char k[2] = { *w, 0 };

			press(c, &scratch, k);
		}
		press(c, &search, "\r");	/* the latest added matches first */
		press(c, &search_rel, "o");	/* the same search, the best match first */
		press(c, &scratch, "o");
		press(c, &scratch, "\033");
	}
	press(c, &scratch, "S");
	for (int i = 0; i < 4; i++) {	/* within one table's groups (7 races): down and back */
		repeat(c, &subgroup_move, "j", 5);
		repeat(c, &subgroup_move, "k", 5);
	}
	for (int i = 0; i < 14; i++) {	/* a group at every site of the set (v), back (v), the next group */
		press(c, &across_sites, "v");
		press(c, &scratch, "v");
		press(c, &scratch, i < 7 ? "j" : "k");
	}
	{
		const struct series *all[] = { &overview_move, &overview_scroll, &rubric_move, &screen_switch,
			&site_switch, &evidence_move, &evidence_scroll, &evidence_page, &search, &search_rel, &subgroup_move,
			&across_sites };
		bool ok = true;

		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			ok = report(all[i]) && ok;
		return ok;
	}
}

int
main(int argc, char **argv)
{
	struct child c;
	struct rusage ru;
	int cols = 80, rows = 24, status;
	bool measured;
	double t0;

	if (argc < 4 || sscanf(argv[1], "%dx%d", &cols, &rows) != 2) {
		fprintf(stderr, "usage: bench/harness COLSxROWS QREL ARGS...\n");
		return 2;
	}
	t0 = now_ms();
	if (spawn(&c, argv + 2, cols, rows) != 0 || wait_mark(&c, 20000) != 0) {
		fprintf(stderr, "harness: qrel did not show its first screen\n");
		return 1;
	}
	printf("series,n,p50_ms,p99_ms,bytes_median,bytes_max,no_change,text_median\n");
	printf("start_first_screen,1,%.2f,%.2f,%lld,%lld,0,%lld\n", now_ms() - t0, now_ms() - t0, c.bytes, c.bytes, c.text);
	/* HARNESS_START_ONLY: the first screen alone (the cold start after the page cache is emptied). */
	measured = getenv("HARNESS_START_ONLY") ? true : session(&c, rows);
	if (write(c.pty, "Q", 1) < 0)
		kill(c.pid, SIGTERM);
	drain(&c, 200);
	if (wait4(c.pid, &status, 0, &ru) < 0)
		return 1;
	printf("peak_rss_kib,1,NA,NA,%ld,%ld,0,NA\n", ru.ru_maxrss, ru.ru_maxrss);
	if (!measured)
		return 3;	/* run.sh tells this from qrel's own failure */
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
