/* ini.c: loads an INI file with iniparser and indexes its keys by line. */
#include "qrel/qrel.h"
#include "qrel/ini.h"
#include "qrel/util.h"

#include <ctype.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef HAVE_INIPARSER_INIPARSER_H
#include <iniparser/iniparser.h>
#else
#include <iniparser.h>
#endif

/* A string-keyed open-addressing table: key -> index (entries) or value. */
struct map {
	char **keys;
	void **vals;
	size_t cap, n;
};

struct ini {
	struct map values;	/* "section:key" -> value, as iniparser read it */
	struct map lines;	/* "section:key" ("section:" for the header) -> entry index + 1 */
	struct map section_set;	/* section -> 1 */
	char *path;
	struct ini_entry *entries;
	size_t n, cap;
	char **sections;
	size_t nsections;
	int *bad;		/* lines our scan rejected; iniparser refuses the whole file for one */
	size_t nbad;
};

/* iniparser prints its own complaints to stderr, which would tear a curses
 * screen; our scan below reports the same problems with their lines. */
static int
ini_quiet(const char *fmt, ...)
{
	UNUSED(fmt);
	return 0;
}


static size_t
map_slot(const struct map *m, const char *key)
{
	size_t i = (size_t)hash64(key, strlen(key)) & (m->cap - 1);

	while (m->keys[i] && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void *
map_get(const struct map *m, const char *key)
{
	return m->cap ? m->vals[map_slot(m, key)] : NULL;
}

/* Sets key to val; returns the value it replaces (NULL when new). */
static void *
map_put(struct map *m, const char *key, void *val)
{
	size_t i;
	void *old;

	if (2 * (m->n + 1) > m->cap) {
		struct map bigger = { calloc(m->cap ? 2 * m->cap : 64, sizeof(char *)),
				      calloc(m->cap ? 2 * m->cap : 64, sizeof(void *)), m->cap ? 2 * m->cap : 64, m->n };

		if (!bigger.keys || !bigger.vals)
			abort();
		for (size_t j = 0; j < m->cap; j++) {
			if (m->keys[j]) {
				i = map_slot(&bigger, m->keys[j]);
				bigger.keys[i] = m->keys[j];
				bigger.vals[i] = m->vals[j];
			}
		}
		free(m->keys);
		free(m->vals);
		*m = bigger;
	}
	i = map_slot(m, key);
	old = m->vals[i];
	if (!m->keys[i]) {
		m->keys[i] = xstrdup(key);
		m->n++;
	}
	m->vals[i] = val;
	return old;
}

static void
map_free(struct map *m, bool free_vals)
{
	for (size_t i = 0; i < m->cap; i++) {
		free(m->keys[i]);
		if (free_vals)
			free(m->vals[i]);
	}
	free(m->keys);
	free(m->vals);
}

/* "section:key" in lower case, as iniparser names a key. */
static char *
full_key(char *buf, size_t size, const char *section, const char *key)
{
	snprintf(buf, size, "%s:%s", section, key);
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return buf;
}

static char *
lower_dup(const char *s, size_t n)
{
	char *d = strndup(s, n), *t;

	if (!d)
		abort();
	t = str_trim(d);
	memmove(d, t, strlen(t) + 1);
	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

static void
add_entry(struct ini *ini, const char *section, char *key, int line, struct diags *d)
{
	char full[512];
	uintptr_t first = (uintptr_t)map_get(&ini->lines, full_key(full, sizeof(full), section, key));

	if (first) {
		diag_add(d, ini->path, line, "duplicate key '%s' in [%s] (first at line %d)",
			key, section, ini->entries[first - 1].line);
		free(key);
		return;
	}
	map_put(&ini->lines, full, (void *)(uintptr_t)(ini->n + 1));
	if (ini->n == ini->cap) {
		ini->cap = ini->cap ? ini->cap * 2 : 64;
		ini->entries = realloc(ini->entries, ini->cap * sizeof(*ini->entries));
		if (!ini->entries)
			abort();
	}
	ini->entries[ini->n++] = (struct ini_entry){ xstrdup(section), key, line };
}

static void
add_section(struct ini *ini, const char *name, int line, struct diags *d)
{
	if (map_get(&ini->section_set, name)) {
		diag_add(d, ini->path, line, "section [%s] appears twice", name);
		return;
	}
	map_put(&ini->section_set, name, (void *)1);
	/* An entry with an empty key remembers where the section starts. */
	add_entry(ini, name, xstrdup(""), line, d);
	ini->sections = realloc(ini->sections, (ini->nsections + 1) * sizeof(*ini->sections));
	if (!ini->sections)
		abort();
	ini->sections[ini->nsections++] = xstrdup(name);
}

static void
scan_line(struct ini *ini, char *line, int lineno, char **section, struct diags *d)
{
	char *s = str_trim(line), *eq;

	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		char *end = strchr(s, ']');

		if (!end) {
			diag_add(d, ini->path, lineno, "section header without ']'");
			return;
		}
		free(*section);
		*section = lower_dup(s + 1, (size_t)(end - s - 1));
		add_section(ini, *section, lineno, d);
		return;
	}
	if (!(eq = strchr(s, '='))) {
		diag_add(d, ini->path, lineno, "expected 'key = value', found '%.40s'", s);
		ini->bad = realloc(ini->bad, (ini->nbad + 1) * sizeof(*ini->bad));
		if (!ini->bad)
			abort();
		ini->bad[ini->nbad++] = lineno;
		return;
	}
	if (!*section) {
		diag_add(d, ini->path, lineno, "key outside any [section]");
		return;
	}
	add_entry(ini, *section, lower_dup(s, (size_t)(eq - s)), lineno, d);
}

/* Takes text (split and trimmed in place) and frees it. */
static void
scan(struct ini *ini, char *text, struct diags *d)
{
	char *section = NULL, *save = NULL;
	int lineno = 0;

	/* strtok_r would skip empty lines and so miscount; split by hand. */
	for (char *line = text; line; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		if (lineno == 1 && (unsigned char)line[0] == 0xef && (unsigned char)line[1] == 0xbb)
			line += 3; /* UTF-8 byte-order mark */
		scan_line(ini, line, lineno, &section, d);
	}
	free(section);
	free(text);
}

static bool
is_bad_line(const struct ini *ini, int line)
{
	for (size_t i = 0; i < ini->nbad; i++)
		if (ini->bad[i] == line)
			return true;
	return false;
}

/* Copies what iniparser read into the value table: iniparser's own table looks
 * a key up by a linear scan, so it is kept small (one chunk of the file). */
static void
take_values(struct ini *ini, dictionary *dict)
{
	for (ssize_t i = 0; i < dict->size; i++)
		if (dict->key[i] && dict->val[i])	/* a section's own entry has no value */
			free(map_put(&ini->values, dict->key[i], xstrdup(dict->val[i])));
}

/* iniparser reads a path: it gets the text through an anonymous memory file
 * (nothing on disk, nothing read twice from the user's file), or where /proc is
 * missing a private temporary file under $TMPDIR, removed when done. */
struct scratch {
	int fd;
	bool temp;
	char path[4096];
};

static bool
scratch_open(struct scratch *sc)
{
	const char *dir = getenv("TMPDIR");

	sc->temp = false;
	sc->fd = memfd_create("qrel-ini", MFD_CLOEXEC);
	snprintf(sc->path, sizeof(sc->path), "/proc/self/fd/%d", sc->fd);
	if (sc->fd >= 0 && access(sc->path, R_OK) == 0)
		return true;
	if (sc->fd >= 0)
		close(sc->fd);
	snprintf(sc->path, sizeof(sc->path), "%s/qrel-ini-XXXXXX", dir && *dir ? dir : "/tmp");
	sc->temp = true;
	return (sc->fd = mkstemp(sc->path)) >= 0;
}

static void
scratch_close(struct scratch *sc)
{
	if (sc->fd < 0)
		return;
	close(sc->fd);
	if (sc->temp)
		unlink(sc->path);
}

static dictionary *
iniparser_text(const struct scratch *sc, const char *text, size_t len)
{
	if (ftruncate(sc->fd, 0) != 0 || pwrite(sc->fd, text, len, 0) != (ssize_t)len)
		return NULL;
	return iniparser_load(sc->path);
}

/* Chunks end before a section header once this many lines are in them. */
#define CHUNK_LINES 512

/* Loads text in chunks of whole sections, bad lines commented out; false when
 * iniparser refuses a chunk. */
static bool
load_values(struct ini *ini, const char *text)
{
	size_t len = strlen(text), used = 0, cap = len + len / 8 + 16;
	char *buf = malloc(cap);
	struct scratch sc;
	int line = 1, lines = 0;
	bool ok = scratch_open(&sc) && buf;
	const char *p = text;

	while (ok && *p) {
		const char *eol = strchr(p, '\n'), *s = p;
		size_t n = eol ? (size_t)(eol - p + 1) : strlen(p);

		while (s < p + n && isspace((unsigned char)*s))
			s++;
		if (*s == '[' && lines >= CHUNK_LINES) {
			dictionary *dict = iniparser_text(&sc, buf, used);

			if (!(ok = dict != NULL))
				break;
			take_values(ini, dict);
			iniparser_freedict(dict);
			used = 0;
			lines = 0;
		}
		if (used + n + 2 > cap && !(buf = realloc(buf, cap = 2 * cap + n + 2)))
			abort();
		if (is_bad_line(ini, line))
			buf[used++] = ';';
		memcpy(buf + used, p, n);
		used += n;
		p += n;
		line++;
		lines++;
	}
	if (ok && used) {
		dictionary *dict = iniparser_text(&sc, buf, used);

		if ((ok = dict != NULL)) {
			take_values(ini, dict);
			iniparser_freedict(dict);
		}
	}
	scratch_close(&sc);
	free(buf);
	return ok;
}

struct ini *
ini_load(const char *path, struct diags *d)
{
	struct ini *ini;
	char *text = file_read(path, NULL);

	if (!text) {
		diag_add(d, path, 0, "cannot read: %s", strerror(errno));
		return NULL;
	}
	if (!(ini = calloc(1, sizeof(*ini))))
		abort();
	ini->path = xstrdup(path);
	scan(ini, xstrdup(text), d);
	iniparser_set_error_callback(ini_quiet);
	if (!load_values(ini, text)) {
		free(text);
		diag_add(d, path, 0, "cannot be parsed as INI");
		ini_free(ini);
		return NULL;
	}
	free(text);
	return ini;
}

void
ini_free(struct ini *ini)
{
	if (!ini)
		return;
	for (size_t i = 0; i < ini->n; i++) {
		free(ini->entries[i].section);
		free(ini->entries[i].key);
	}
	for (size_t i = 0; i < ini->nsections; i++)
		free(ini->sections[i]);
	free(ini->sections);
	free(ini->entries);
	free(ini->bad);
	map_free(&ini->values, true);
	map_free(&ini->lines, false);
	map_free(&ini->section_set, false);
	free(ini->path);
	free(ini);
}

const char *ini_path(const struct ini *ini) { return ini->path; }

const char *
ini_get(const struct ini *ini, const char *section, const char *key)
{
	char full[512];

	return map_get(&ini->values, full_key(full, sizeof(full), section, key));
}

int
ini_line(const struct ini *ini, const char *section, const char *key)
{
	char full[512];
	uintptr_t i = (uintptr_t)map_get(&ini->lines, full_key(full, sizeof(full), section, key));

	return i ? ini->entries[i - 1].line : 0;
}

const struct ini_entry *
ini_entries(const struct ini *ini, size_t *n)
{
	*n = ini->n;
	return ini->entries;
}

const char *const *
ini_sections(const struct ini *ini, size_t *n)
{
	*n = ini->nsections;
	return (const char *const *)ini->sections;
}
