/* settings.h: the user's configuration: defaults in code, the INI file overrides.
 * One table (src/domain/settings.c) drives loading, validation and the man page's list. */
#ifndef QREL_SETTINGS_H
#define QREL_SETTINGS_H

#include "qrel/diag.h"

enum tristate { TRI_AUTO = 0, TRI_NO, TRI_YES };

struct settings {
	char *user;		/* [qrel] user */
	char *db_path;		/* [store] path */
	char *team_group;	/* [store] team_group: share the store with this Unix group */
	int color;		/* [display] color: auto|yes|no */
	int ascii;		/* [display] ascii: auto|yes|no */
	long escape_delay;	/* [display] escape_delay, milliseconds */
	long min_display;	/* [privacy] min_display: smallest group shown */
	long min_cell;		/* [subgroups] min_cell */
	long min_n;		/* [subgroups] min_n */
	double threshold;	/* [subgroups] threshold */
	long flag_years;	/* [subgroups] flag_years */
	char *reference;	/* [subgroups] reference: default reference group, "" for none */
	char *hub_url;		/* [hub] url: where the dashboard's portfolio comes from, "" for none */
};

void settings_default(struct settings *s);
/* Reads path over the defaults. A missing file is fine unless required. Each bad
 * value is reported (file:line: key) and keeps its default. */
int settings_load(struct settings *s, const char *path, int required, struct diags *d);
void settings_free(struct settings *s);
/* The default config and database paths ($XDG_CONFIG_HOME, $XDG_DATA_HOME). */
char *settings_config_path(void);
char *settings_data_path(const char *name);
/* Lists every key with its type and default (for --help and the man page). */
void settings_describe(FILE *out);

#endif
