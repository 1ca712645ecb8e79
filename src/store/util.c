/* util.c: ids, the clock, fingerprints, whole-file I/O and string helpers. */
#include "qrel/qrel.h"
#include "qrel/backup.h"
#include "qrel/util.h"

#include <ctype.h>
#include <libgen.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* n random bytes, from a buffer refilled 512 bytes at a time (one
 * getrandom per 50 ids, not one per id: an import makes 200,000). */
static void
random_bytes(unsigned char *out, size_t n)
{
	static unsigned char pool[512];
	static size_t left;

	while (n > 0) {
		if (left == 0) {
			size_t got = 0;

			while (got < sizeof(pool)) {
				ssize_t r = getrandom(pool + got, sizeof(pool) - got, 0);

				if (r > 0)
					got += (size_t)r;
				else if (errno != EINTR)
					abort(); /* no entropy source at all: nothing sane to do */
			}
			left = sizeof(pool);
		}
		size_t take = n < left ? n : left;

		memcpy(out, pool + sizeof(pool) - left, take);
		explicit_bzero(pool + sizeof(pool) - left, take);
		left -= take;
		out += take;
		n -= take;
	}
}

/*
 * A version 7 UUID (RFC 9562): 48 bits of Unix time in milliseconds, then a
 * 12-bit sequence that starts at a random value below 2048 each millisecond
 * and counts up within it (so ids made by one process sort in the order they
 * were made), then 62 random bits. Ids in time order go to the end of each
 * uuid index instead of a random page of it: an import of 200,000 notes
 * reads and writes a few pages at the right edge, not 200,000 scattered ones.
 */
void
uuid_new(char out[UUID_LEN + 1])
{
	static uint64_t last_ms;
	static unsigned seq;
	unsigned char b[16];
	struct timespec ts;
	uint64_t ms;

	random_bytes(b + 6, 10);
	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	if (ms > last_ms) {
		last_ms = ms;
		seq = ((unsigned)b[6] << 8 | b[7]) & 0x7ff;
	} else if (++seq > 0xfff) {
		/* 2,048 ids or more in a millisecond (or the clock went back): borrow the next one */
		last_ms++;
		seq = ((unsigned)b[6] << 8 | b[7]) & 0x7ff;
	}
	ms = last_ms;
	for (int i = 5; i >= 0; i--, ms >>= 8)
		b[i] = (unsigned char)(ms & 0xff);
	b[6] = (unsigned char)(0x70 | (seq >> 8));
	b[7] = (unsigned char)(seq & 0xff);
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, UUID_LEN + 1,
		"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
		b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

int
uuid_valid(const char *s)
{
	for (int i = 0; i < UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return 0;
	}
	return s[UUID_LEN] == '\0';
}

void
clock_now(char out[21])
{
	const char *fixed = getenv("QREL_NOW");
	time_t t = time(NULL);
	struct tm tm;

	if (fixed && strlen(fixed) == 20) {
		memcpy(out, fixed, 21);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

uint64_t
hash64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 14695981039346656037ULL;

	while (len--) {
		h ^= *p++;
		h *= 1099511628211ULL;
	}
	return h;
}

char *
file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		error(QREL_IO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *grown = realloc(buf, cap = cap ? cap * 2 : 8192);

			if (!grown) {
				free(buf);
				fclose(f);
				error(QREL_NOMEM, "%s: out of memory", path);
				return NULL;
			}
			buf = grown;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);

		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		error(QREL_IO, "%s: read error", path);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

struct bytes {
	const char *data;
	size_t len;
};

static int
bytes_write(void *ctx, FILE *f)
{
	const struct bytes *b = ctx;

	return b->len && fwrite(b->data, 1, b->len, f) != b->len ? QREL_IO : QREL_OK;
}

int
file_replace(const char *path, const char *data, size_t len)
{
	struct bytes b = { data, len };

	return file_replace_stream(path, bytes_write, &b);
}

int
file_replace_stream(const char *path, int (*write)(void *ctx, FILE *f), void *ctx)
{
	char *tmp;
	FILE *f = NULL;
	int rc;

	/* The one temporary-file writer: path checked, 0600 beside it, synced, renamed;
	 * the content written as it is made, nothing held but the stream's buffer. */
	if ((rc = backup_temp_file(path, &tmp)) != QREL_OK)
		return rc;
	if (!(f = fopen(tmp, "w")))
		rc = error(QREL_IO, "%s: %s", path, strerror(errno));
	if (rc == QREL_OK)
		rc = write(ctx, f);
	if (f && (fflush(f) != 0 || ferror(f)) && (rc == QREL_OK || rc == QREL_IO))
		rc = error(errno == ENOSPC ? QREL_FULL : QREL_IO, "%s: %s", path, strerror(errno));
	if (f && fclose(f) != 0 && rc == QREL_OK)
		rc = error(errno == ENOSPC ? QREL_FULL : QREL_IO, "%s: %s", path, strerror(errno));
	if (rc == QREL_OK)
		rc = backup_commit_file(tmp, path);
	else
		unlink(tmp);
	free(tmp);
	return rc;
}

char *
xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		abort(); /* allocation of a short string failed: the process is done */
	return d;
}

void
str_copy(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (size == 0)
		return;
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--; /* do not leave half a character */
	}
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

bool
str_list_has(const char *list, char sep, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; p && *p; p += strcspn(p, (char[]){ sep, 0 }), p += *p == sep) {
		while (*p == ' ')
			p++;
		if (strncmp(p, item, n) == 0 && (p[n] == sep || p[n] == '\0' || p[n] == ' '))
			return true;
	}
	return false;
}

char *
str_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

bool
date_ymd_valid(int y, int m, int d)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

/* n digits at s into *v. */
static bool
date_digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

bool
date_valid_day(const char *s)
{
	int y, m, d;

	return s && date_digits(s, 4, &y) && s[4] == '-' && date_digits(s + 5, 2, &m) && s[7] == '-' &&
	       date_digits(s + 8, 2, &d) && s[10] == '\0' && date_ymd_valid(y, m, d);
}

bool
date_valid(const char *s)
{
	char day[11];
	int h, mi, sec;

	if (!s || strlen(s) < 10)
		return false;
	memcpy(day, s, 10);
	day[10] = '\0';
	if (!date_valid_day(day))
		return false;
	s += 10;
	if (!*s)
		return true;
	if ((*s != 'T' && *s != ' ') || !date_digits(s + 1, 2, &h) || s[3] != ':' ||
	    !date_digits(s + 4, 2, &mi) || h > 23 || mi > 59)
		return false;
	s += 6;
	if (*s == ':') {
		if (!date_digits(s + 1, 2, &sec) || sec > 59)
			return false;
		s += 3;
	}
	return strcmp(s, "") == 0 || strcmp(s, "Z") == 0;
}

int
str_to_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s)
		return 0;
	*out = v;
	return 1;
}

char *
path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (!p)
		abort();
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* Creates dir and any missing folders above it (those 0700, as the XDG base
 * directory rules ask); dir itself gets mode. */
static int
make_dirs(char *dir, mode_t mode)
{
	char *slash = strrchr(dir, '/');

	if (mkdir(dir, mode) == 0) {
		chmod(dir, mode); /* the umask narrowed it and mkdir drops setgid */
		return QREL_OK;
	}
	if (errno == EEXIST)
		return QREL_OK;
	if (errno != ENOENT || !slash || slash == dir)
		return error(QREL_IO, "%s: cannot create folder: %s", dir, strerror(errno));
	*slash = '\0';
	if (make_dirs(dir, 0700) != QREL_OK)
		return QREL_IO;
	*slash = '/';
	if (mkdir(dir, mode) != 0 && errno != EEXIST)
		return error(QREL_IO, "%s: cannot create folder: %s", dir, strerror(errno));
	chmod(dir, mode);
	return QREL_OK;
}

int
make_parent_dir(const char *path, unsigned mode)
{
	char *copy = xstrdup(path);
	char *dir = xstrdup(dirname(copy));
	int rc = make_dirs(dir, (mode_t)mode);

	free(dir);
	free(copy);
	return rc;
}

int
text_append(char **text, size_t *len, size_t *cap, const char *s, size_t *off)
{
	size_t n = strlen(s) + 1;

	if (*len + n > *cap) {
		size_t grown = *cap ? *cap * 2 : 4096;
		char *p;

		while (grown < *len + n)
			grown *= 2;
		if (!(p = realloc(*text, grown)))
			return QREL_NOMEM;
		*text = p;
		*cap = grown;
	}
	memcpy(*text + *len, s, n);
	*off = *len;
	*len += n;
	return QREL_OK;
}

void *
array_grow(void *p, size_t n, size_t *cap, size_t size)
{
	size_t more = *cap ? *cap * 2 : 16;
	void *grown;

	if (n < *cap)
		return p;
	if (more > SIZE_MAX / size || !(grown = realloc(p, more * size)))
		return NULL;
	*cap = more;
	return grown;
}
