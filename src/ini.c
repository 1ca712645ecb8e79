/* ini.c: loads an INI file with iniparser and indexes its keys by line. */
#include "qrel/qrel.h"
#include "qrel/ini.h"
#include "qrel/util.h"

#include <ctype.h>
#include <unistd.h>
#ifdef HAVE_INIPARSER_INIPARSER_H
#include <iniparser/iniparser.h>
#else
#include <iniparser.h>
#endif

struct ini {
	dictionary *dict;
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
	for (size_t i = 0; i < ini->n; i++) {
		if (strcmp(ini->entries[i].section, section) == 0 && strcmp(ini->entries[i].key, key) == 0) {
			diag_add(d, ini->path, line, "duplicate key '%s' in [%s] (first at line %d)",
				key, section, ini->entries[i].line);
			free(key);
			return;
		}
	}
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
	for (size_t i = 0; i < ini->nsections; i++) {
		if (strcmp(ini->sections[i], name) == 0) {
			diag_add(d, ini->path, line, "section [%s] appears twice", name);
			return;
		}
	}
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

/* iniparser gives up on a file with one malformed line; to report every other
 * problem too, load a copy with the lines already reported commented out. */
static dictionary *
load_without_bad_lines(const struct ini *ini, const char *text)
{
	char tmp[] = "/tmp/qrel-ini-XXXXXX";
	int fd = mkstemp(tmp), line = 1;
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	dictionary *dict = NULL;

	if (!f)
		return NULL;
	fputs(is_bad_line(ini, 1) ? ";" : "", f);
	for (const char *p = text; *p; p++) {
		fputc(*p, f);
		if (*p == '\n' && is_bad_line(ini, ++line))
			fputc(';', f);
	}
	if (fclose(f) == 0)
		dict = iniparser_load(tmp);
	unlink(tmp);
	return dict;
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
	ini->dict = iniparser_load(path);
	if (!ini->dict && ini->nbad)
		ini->dict = load_without_bad_lines(ini, text);
	free(text);
	if (!ini->dict) {
		diag_add(d, path, 0, "cannot be parsed as INI");
		ini_free(ini);
		return NULL;
	}
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
	if (ini->dict)
		iniparser_freedict(ini->dict);
	free(ini->path);
	free(ini);
}

const char *ini_path(const struct ini *ini) { return ini->path; }

const char *
ini_get(const struct ini *ini, const char *section, const char *key)
{
	char full[512];

	snprintf(full, sizeof(full), "%s:%s", section, key);
	return iniparser_getstring(ini->dict, full, NULL);
}

int
ini_line(const struct ini *ini, const char *section, const char *key)
{
	for (size_t i = 0; i < ini->n; i++)
		if (strcasecmp(ini->entries[i].section, section) == 0 &&
		    strcasecmp(ini->entries[i].key, key) == 0)
			return ini->entries[i].line;
	return 0;
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
