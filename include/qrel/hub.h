/* hub.h: the PostgreSQL hub where local copies of reviews meet (libpq).
 *
 * Each reviewer keeps working on a local SQLite copy; `qrel sync push|pull
 * --hub URL` exchanges with the hub the same changes a bundle carries. The hub
 * holds the rules itself (src/store/hub_schema.c): row-level security, constraints
 * and functions for roles, own school, locks, the scale and blind rating until
 * consensus, keyed to the login (each login is one person of a review), so a
 * client that skips qrel's gate, or psql, gets no further. URL is a libpq
 * connection string; a password in it is refused (~/.pgpass or PGPASSWORD). */
#ifndef QREL_HUB_H
#define QREL_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct db;
struct pg_conn;

extern const char *const hub_migrations[];
extern const size_t hub_migration_count;

/* Loads libpq (hub_libpq.h) and connects to url (QREL_USAGE when it holds a
 * password, QREL_IO when libpq cannot be loaded or the connection fails).
 * *out is a libpq PGconn: every use of the hub starts here. */
int hub_connect(const char *url, struct pg_conn **out);
void hub_close(struct pg_conn *c);

/* Creates or migrates the hub schema, all steps in one transaction; a hub
 * newer than this qrel is refused (QREL_NEWER_SCHEMA); from and to: the versions. */
int hub_init(struct pg_conn *c, int *from, int *to);

/* Uploads (or refreshes) review's identity: uuid, title, framework and scale,
 * clusters, sites with their lock and release, people with their roles, and
 * the scores and notes lead's copy holds that the hub lacks. Logins already
 * granted stay. The hub's administrator runs it, with the lead's file. */
struct hub_review_stats {
	long long clusters, sites, people, rows;
};
int hub_add_review(struct pg_conn *c, struct db *db, int64_t review, const char *lead, struct hub_review_stats *st);

/* Maps the hub login to the person named name of review (a uuid), who must
 * hold role when role is not NULL; the login becomes a member (qrel_member),
 * created without a password when it does not exist. One login, one person. */
int hub_grant(struct pg_conn *c, const char *review, const char *name, const char *login, const char *role);

struct hub_sync_stats {
	long long sent, inserted, updated, unchanged, stale, conflicts, hidden;	/* push */
	long long received, bundles, forgotten;					/* pull */
};

/* Pushes what changed here since the last push (the rows a bundle for the
 * peer "hub" would carry, as who may read them) in one transaction. */
int hub_push(struct db *db, int64_t review, const char *who, const char *url, FILE *progress,
	     struct hub_sync_stats *st);
/* Pulls what changed on the hub since the last pull and this login may read,
 * merged as bundles are (sync.h), one bundle per person whose rows come.
 * Once what the login reads changes, the rows it no longer reads are
 * forgotten first (each through its writer). Refused whole (QREL_CONFLICT)
 * while the hub holds a person or site of the review this copy lacks. */
int hub_pull(struct db *db, int64_t review, const char *who, const char *url, FILE *progress,
	     struct hub_sync_stats *st);

/* A pull's rows as one bundle: an in-memory bundle (its tables, the rows
 * fill adds from arg, meta naming exporter, the pusher whose rows they are),
 * sealed with the review's key and imported as a bundle file is (sync.h), the
 * import's counts added to st. */
struct sqlite3;
typedef int (*hub_fill_fn)(struct sqlite3 *bundle, const void *arg);
int hub_import_built(struct db *db, int64_t review, const char *who, const char *uuid, const char *exporter,
		     hub_fill_fn fill, const void *arg, struct hub_sync_stats *st);

enum hub_format { HUB_TABLE, HUB_CSV, HUB_JSON };
enum hub_view { HUB_CLUSTERS, HUB_YEARS, HUB_GROUPS };

struct settings;
struct hub_portfolio_ask {
	const char *framework;		/* NULL: review's, else every framework */
	const char *review;		/* a uuid; NULL for none */
	enum hub_view view;
	enum hub_format format;
	const struct settings *settings;	/* [subgroups] and [privacy] for HUB_GROUPS */
};

/* The portfolio of the hub's reviews (of framework): HUB_CLUSTERS, consensus
 * levels per cluster and where review stands among them; HUB_YEARS, the same
 * per review year; HUB_GROUPS, risk ratios per metric, dimension and group
 * pooled across the districts (each review's latest year), and review's own,
 * computed and suppressed as subgroup tables are (subgroup_from_groups). */
int hub_portfolio(struct pg_conn *c, const struct hub_portfolio_ask *ask, FILE *out);

/* The portfolio fetched in the background (a child process), for a screen
 * that must never wait on the network: start, then poll from the main loop. */
enum hub_fetch_state { HUB_FETCH_NONE, HUB_FETCHING, HUB_FETCHED, HUB_FETCH_FAILED };
struct hub_fetch {
	enum hub_fetch_state state;
	int pid, fd;
	char *text;		/* HUB_FETCHED: the table; HUB_FETCH_FAILED: the error */
	size_t len, cap;
};
int hub_fetch_start(struct hub_fetch *f, const char *url, const struct hub_portfolio_ask *ask);
/* Reads what has come without waiting; returns the state. */
int hub_fetch_poll(struct hub_fetch *f);
/* Stops a fetch still running and frees the text. */
void hub_fetch_end(struct hub_fetch *f);

#endif
