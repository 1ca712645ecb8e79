/* settings.c: one table of keys drives defaults, parsing and unknown-key warnings. */
#include "qrel/qrel.h"
#include "qrel/ini.h"
#include "qrel/settings.h"
#include "qrel/util.h"

#include <math.h>
#include <unistd.h>

enum setting_type { SET_STRING, SET_LONG, SET_DOUBLE, SET_TRISTATE };

struct setting {
	const char *section, *key;
	enum setting_type type;
	size_t offset;
	const char *def;
	double min, max;
	const char *help;
};

#define S(sec, key, type, field, def, min, max, help) \
	{ sec, key, type, offsetof(struct settings, field), def, min, max, help }

static const struct setting table[] = {
	S("qrel", "user", SET_STRING, user, "", 0, 0, "reviewer name used when --as is not given ($USER otherwise)"),
	S("store", "path", SET_STRING, db_path, "", 0, 0, "database file (default $XDG_DATA_HOME/qrel/qrel.db)"),
	S("store", "team_group", SET_STRING, team_group, "", 0, 0,
	  "Unix group sharing a new database (0660, folder 2770); its members can change the file directly"),
	S("display", "color", SET_TRISTATE, color, "auto", 0, 0, "auto, yes or no (NO_COLOR also turns color off)"),
	S("display", "ascii", SET_TRISTATE, ascii, "auto", 0, 0, "draw with ASCII only: auto (when the locale is not UTF-8), yes or no"),
	S("display", "escape_delay", SET_LONG, escape_delay, "25", 0, 1000, "milliseconds to wait after ESC"),
	S("privacy", "min_display", SET_LONG, min_display, "10", 1, 1000, "counts below this (and their groups) are suppressed"),
	S("subgroups", "min_cell", SET_LONG, min_cell, "10", 1, 100000, "minimum outcome count for a ratio"),
	S("subgroups", "min_n", SET_LONG, min_n, "30", 1, 1000000, "minimum enrolment for a ratio"),
	S("subgroups", "threshold", SET_DOUBLE, threshold, "3.0", 1.0, 100.0, "risk ratio above which a group is flagged"),
	S("subgroups", "flag_years", SET_LONG, flag_years, "1", 1, 10, "consecutive years over the threshold before a flag"),
	S("subgroups", "reference", SET_STRING, reference, "", 0, 0,
	  "group the subgroup screen compares each group with (\"vs Ref\"); empty: none"),
	S("hub", "url", SET_STRING, hub_url, "", 0, 0,
	  "the hub (a libpq connection string, no password) the dashboard's portfolio (o) is fetched from"),
};

static int
parse_tristate(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "always" };
	static const char *const no[] = { "no", "false", "off", "0", "never" };

	if (strcasecmp(v, "auto") == 0)
		return *out = TRI_AUTO, 1;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = TRI_YES, 1;
		if (strcasecmp(v, no[i]) == 0)
			return *out = TRI_NO, 1;
	}
	return 0;
}

/* Strict number parsing: iniparser reads "010" as octal and "1e" as 1. */
static int
parse_number(const char *v, const struct setting *t, double *out)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(x) || x < t->min || x > t->max)
		return 0;
	if (t->type == SET_LONG && x != floor(x))
		return 0;
	*out = x;
	return 1;
}

static int
apply(struct settings *s, const struct setting *t, const char *v)
{
	char *field = (char *)s + t->offset;
	double x;

	switch (t->type) {
	case SET_STRING:
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return 1;
	case SET_TRISTATE:
		return parse_tristate(v, (int *)field);
	case SET_LONG:
		if (!parse_number(v, t, &x))
			return 0;
		*(long *)field = (long)x;
		return 1;
	case SET_DOUBLE:
		if (!parse_number(v, t, &x))
			return 0;
		*(double *)field = x;
		return 1;
	}
	return 0;
}

void
settings_default(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		apply(s, &table[i], table[i].def);
}

void
settings_free(struct settings *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		if (table[i].type == SET_STRING) {
			char **p = (char **)((char *)s + table[i].offset);

			free(*p);
			*p = NULL;
		}
	}
}

static const struct setting *
find(const char *section, const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (strcmp(table[i].section, section) == 0 && strcmp(table[i].key, key) == 0)
			return &table[i];
	return NULL;
}

static void
describe_range(char *buf, size_t n, const struct setting *t)
{
	if (t->type == SET_LONG || t->type == SET_DOUBLE)
		snprintf(buf, n, "a number from %g to %g", t->min, t->max);
	else
		snprintf(buf, n, "auto, yes or no");
}

int
settings_load(struct settings *s, const char *path, int required, struct diags *d)
{
	struct ini *ini;
	const struct ini_entry *e;
	size_t n;

	if (!required && access(path, F_OK) != 0)
		return QREL_OK;
	if (!(ini = ini_load(path, d)))
		return error(QREL_IO, "%s: cannot read the configuration", path);
	e = ini_entries(ini, &n);
	for (size_t i = 0; i < n; i++) {
		const struct setting *t = find(e[i].section, e[i].key);
		char range[64];

		if (!*e[i].key) {
			continue;
		} else if (!t) {
			diag_add(d, path, e[i].line, "unknown key '%s' in [%s], ignored", e[i].key, e[i].section);
		} else if (!apply(s, t, ini_get(ini, e[i].section, e[i].key))) {
			describe_range(range, sizeof(range), t);
			diag_add(d, path, e[i].line, "[%s] %s must be %s; using the default %s",
				t->section, t->key, range, t->def);
		}
	}
	ini_free(ini);
	return QREL_OK;
}

static char *
xdg_path(const char *var, const char *fallback, const char *name)
{
	const char *base = getenv(var), *home = getenv("HOME");
	char *dir, *path;

	if (base && *base == '/') {
		dir = path_join(base, "qrel");
	} else {
		char *tmp = path_join(home && *home ? home : ".", fallback);

		dir = path_join(tmp, "qrel");
		free(tmp);
	}
	path = path_join(dir, name);
	free(dir);
	return path;
}

char *
settings_config_path(void)
{
	return xdg_path("XDG_CONFIG_HOME", ".config", "qrel.ini");
}

char *
settings_data_path(const char *name)
{
	return xdg_path("XDG_DATA_HOME", ".local/share", name);
}

void
settings_describe(FILE *out)
{
	const char *section = "";

	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		if (strcmp(section, table[i].section) != 0)
			fprintf(out, "[%s]\n", section = table[i].section);
		fprintf(out, "  %-13s default %-6s %s\n", table[i].key,
			*table[i].def ? table[i].def : "\"\"", table[i].help);
	}
}
