/* import.c: checks CSV rows of each kind against the review and upserts them, all in one transaction. */
#include "qrel/qrel.h"
#include "qrel/activity.h"
#include "qrel/csv.h"
#include "qrel/db.h"
#include "qrel/diag.h"
#include "qrel/evidence.h"
#include "qrel/gate.h"
#include "qrel/identity.h"
#include "qrel/import.h"
#include "qrel/schema.h"
#include "qrel/score.h"
#include "qrel/store.h"
#include "qrel/survey.h"
#include "qrel/util.h"
#include "qrel/voice.h"

#include <ctype.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_COLS 12
#define MAX_ITEMS 32		/* clusters or subgroups on one evidence row */
#define SHOWN_VALUE 60		/* bytes of a value quoted in a message */
#define DEFAULT_DENOMINATOR "enrolled students"

struct key_slot {
	char *key;
	int line;
};

/* Natural keys seen so far in the file, to report a repeated row by its first line. */
struct keyset {
	struct key_slot *slot;
	size_t cap, n;
};

struct imp;

struct kind {
	const char *name;
	const char *const *cols;	/* NULL-terminated */
	const bool *required;
	int (*row)(struct imp *im);
};

struct imp {
	struct db *db;
	int64_t review;
	const struct kind *k;
	const char *file;	/* as given: "-" is standard input */
	const char *path;	/* as messages show it */
	const char *who;
	struct gate_actor actor;	/* who is importing, as the gate sees them */
	char *reason;		/* the change log's reason: the file the rows came from */
	struct diags *d;
	struct import_stats *st;
	const struct import_opts *opts;
	struct csv_opts csv;	/* how the file is read */
	int col[MAX_COLS];
	int levels;
	struct keyset keys;
	/* Notes this import added: ids base + 1, base + 2, ... (the transaction holds
	 * the only writer), each one's line at offset 4 * (id - base - 1) of a
	 * temporary file (read back only to report a repeat): no memory per note,
	 * and no query of our own to find a repeat. */
	struct {
		int64_t base;
		FILE *lines;
		size_t n;
		bool apart;	/* an id did not follow on: the rest are in keys */
	} added;
	struct memo {		/* evidence rows' references, found once each */
		bool on;
		struct keyset ks;	/* kind letter and name -> index + 1 in v */
		struct person *v;
		size_t n, cap;
	} memo;
	const struct csv_row *r;	/* the row being checked */
	size_t errors_before;	/* d->n when the row began */
	int failed;		/* a database failure: stops the import */
};

struct person {
	int64_t id, site;
	const char *role;	/* one of roles[] */
};

static const char *const site_kinds[] = { "school", "district", NULL };
static const char *const roles[] = { "lead", "reviewer", "principal", "observer", NULL };
static const char *const sources[] = { "interview", "focus_group", "document_review",
	"site_observation", "remote_observation", "survey", "self_evaluation", NULL };
static const char *const directions[] = { "adverse", "favourable", NULL };
static const char *const valences[] = { "strength", "growth", "neutral", NULL };
static const char *const score_kinds[] = { "team", "self", "consensus", NULL };

/* ---- keys ---- */

static void
keyset_grow(struct keyset *ks)
{
	size_t cap = ks->cap ? ks->cap * 2 : 64;
	struct key_slot *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		abort();	/* a few bytes per row: nothing sane to do without them */
	for (size_t i = 0; i < ks->cap; i++) {
		size_t j;

		if (!ks->slot[i].key)
			continue;
		j = hash64(ks->slot[i].key, strlen(ks->slot[i].key)) & (cap - 1);
		while (slot[j].key)
			j = (j + 1) & (cap - 1);
		slot[j] = ks->slot[i];
	}
	free(ks->slot);
	ks->slot = slot;
	ks->cap = cap;
}

/* Takes key; returns the line it was first seen on, or 0 when it is new. */
static int
keyset_put(struct keyset *ks, char *key, int line)
{
	size_t i;

	if ((ks->n + 1) * 2 > ks->cap)
		keyset_grow(ks);
	i = hash64(key, strlen(key)) & (ks->cap - 1);
	for (; ks->slot[i].key; i = (i + 1) & (ks->cap - 1)) {
		if (strcmp(ks->slot[i].key, key) == 0) {
			free(key);
			return ks->slot[i].line;
		}
	}
	ks->slot[i] = (struct key_slot){ key, line };
	ks->n++;
	return 0;
}

/* The line key was put with, or 0; key stays the caller's. */
static int
keyset_get(const struct keyset *ks, const char *key)
{
	size_t i;

	if (!ks->cap)
		return 0;
	i = hash64(key, strlen(key)) & (ks->cap - 1);
	for (; ks->slot[i].key; i = (i + 1) & (ks->cap - 1))
		if (strcmp(ks->slot[i].key, key) == 0)
			return ks->slot[i].line;
	return 0;
}

static void
keyset_free(struct keyset *ks)
{
	for (size_t i = 0; i < ks->cap; i++)
		free(ks->slot[i].key);
	free(ks->slot);
}

/* Codes match without case (as store_site_id does), so keys fold them. */
static char *
lower_dup(const char *s)
{
	char *d = xstrdup(s);

	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

/* Joins parts with the unit separator, which no field is expected to hold. */
static char *
key_join(const char *const *parts, size_t n)
{
	size_t len = 1;
	char *key, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(parts[i]) + 1;
	key = p = malloc(len);
	if (!key)
		abort();
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(parts[i]);

		memcpy(p, parts[i], k);
		p += k;
		*p++ = '\x1f';
	}
	*p = '\0';
	return key;
}

/* A stable UUID-shaped id (version 8, RFC 9562) from two independent FNV runs
 * over the parts, so a file without ids imports to the same rows each time. */
static void
derive_uuid(const char *const *parts, size_t n, char out[UUID_LEN + 1])
{
	char *key = key_join(parts, n);
	size_t len = strlen(key);
	uint64_t h[2];
	unsigned char b[16];

	h[0] = hash64(key, len);
	key[len - 1] = '\x1e';	/* a different last byte seeds the second half */
	h[1] = hash64(key, len) ^ (h[0] >> 29);
	free(key);
	for (int i = 0; i < 16; i++)
		b[i] = (unsigned char)(h[i / 8] >> (56 - 8 * (i % 8)));
	b[6] = (b[6] & 0x0f) | 0x80;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, UUID_LEN + 1,
		"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
		b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* ---- reading fields and reporting ---- */

static char *
get(struct imp *im, int c)
{
	static char empty[1];

	if (im->col[c] < 0)
		return empty;
	return str_trim(im->r->field[im->col[c]]);
}

static bool
present(const struct imp *im, int c)
{
	return im->col[c] >= 0;
}

/* A value shortened for a message, on one line, cut at a character boundary. */
static void
show_value(const char *v, char *out, size_t size)
{
	size_t n = strlen(v), max = size - 4;
	bool cut = n > max;

	if (cut) {
		n = max;
		while (n > 0 && ((unsigned char)v[n] & 0xc0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (unsigned char)v[i] < 0x20 ? ' ' : v[i];
	strcpy(out + n, cut ? "..." : "");
}

/* A column as messages name it: in a wide file, the rater's column a rater
 * or level came from ("'Ray Viewer' (level)"). */
static const char *
column_label(struct imp *im, int c)
{
	static char label[700];
	const char *name = im->k->cols[c];

	if (im->r->origin && im->col[c] >= 0 && im->r->origin[im->col[c]]) {	/* through a mapping file */
		snprintf(label, sizeof(label), "%s (%s)", name, im->r->origin[im->col[c]]);
		return label;
	}
	if (!im->r->cell_column || (strcmp(name, "rater") != 0 && strcmp(name, "level") != 0))
		return name;
	snprintf(label, sizeof(label), "'%s' (%s)", im->r->cell_column, name);
	return label;
}

static void
bad(struct imp *im, int c, const char *value, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
bad(struct imp *im, int c, const char *value, const char *fmt, ...)
{
	char text[512], shown[SHOWN_VALUE + 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!value) {
		diag_add(im->d, im->path, im->r->line, "column %s: %s", column_label(im, c), text);
		return;
	}
	show_value(value, shown, sizeof(shown));
	diag_add(im->d, im->path, im->r->line, "column %s: %s ('%s')", column_label(im, c), text, shown);
}

static bool
row_ok(const struct imp *im)
{
	return !im->failed && im->d->n == im->errors_before;
}

static const char *
need(struct imp *im, int c)
{
	const char *v = get(im, c);

	if (!*v)
		bad(im, c, NULL, "must not be empty");
	return v;
}

/* Spreadsheet users write "Focus group" or "focus-group" for focus_group. */
static bool
enum_eq(const char *v, const char *name)
{
	for (; *v && *name; v++, name++) {
		char a = (char)tolower((unsigned char)*v);

		if (a != *name && !(*name == '_' && (a == ' ' || a == '-')))
			return false;
	}
	return *v == *name;
}

static const char *
one_of(struct imp *im, int c, const char *const *allowed, const char *dflt)
{
	const char *v = get(im, c);
	char list[256];
	size_t used = 0;

	if (!*v && dflt)
		return dflt;
	for (int i = 0; allowed[i]; i++)
		if (enum_eq(v, allowed[i]))
			return allowed[i];
	list[0] = '\0';
	for (int i = 0; allowed[i] && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
			allowed[i]);
	bad(im, c, v, "must be one of %s", list);
	return NULL;
}

static bool
is(const char *a, const char *b)
{
	return a && strcmp(a, b) == 0;
}

/* ---- references ---- */

static int64_t
checked(struct imp *im, int64_t id)
{
	if (id >= 0)
		return id;
	im->failed = QREL_DB;
	return 0;
}

/* While notes are imported, sites, people and clusters cannot change (the
 * transaction is the only writer and an evidence row writes none of them), so
 * each name is looked up once; only names found are kept. */
static char *
memo_key(char kind, const char *name)
{
	size_t len = strlen(name);
	char *key = malloc(len + 2);

	if (!key)
		abort();	/* a few bytes per distinct name */
	key[0] = kind;
	memcpy(key + 1, name, len + 1);
	return key;
}

/* Looked up in a buffer on the stack: no allocation per row. */
static bool
memo_get(struct imp *im, char kind, const char *name, struct person *out)
{
	char buf[256], *key = buf;
	size_t len = strlen(name);
	int i;

	if (!im->memo.on)
		return false;
	if (len + 2 > sizeof(buf))
		key = memo_key(kind, name);
	else {
		buf[0] = kind;
		memcpy(buf + 1, name, len + 1);
	}
	i = keyset_get(&im->memo.ks, key);
	if (key != buf)
		free(key);
	if (i)
		*out = im->memo.v[i - 1];
	return i > 0;
}

static void
memo_put(struct imp *im, char kind, const char *name, const struct person *p)
{
	struct memo *m = &im->memo;

	if (!m->on || p->id <= 0 || im->failed)
		return;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct person *v = realloc(m->v, cap * sizeof(*v));

		if (!v)
			return;	/* no memory for the memo: the next row asks again */
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n] = *p;
	if (keyset_put(&m->ks, memo_key(kind, name), (int)m->n + 1) == 0)
		m->n++;
}

/* A site's or cluster's id through the memo. */
static int64_t
memo_id(struct imp *im, char kind, const char *name, int64_t (*find)(struct db *, int64_t, const char *))
{
	struct person p = { 0 };

	if (memo_get(im, kind, name, &p))
		return p.id;
	p.id = checked(im, find(im->db, im->review, name));
	memo_put(im, kind, name, &p);
	return p.id;
}

static int64_t
lookup(struct imp *im, const char *sql, const char *key)
{
	sqlite3_stmt *st = db_stmt(im->db, sql);
	int64_t id = 0;
	int rc;

	if (!st) {
		im->failed = QREL_DB;
		return 0;
	}
	sqlite3_bind_int64(st, 1, im->review);
	db_bind_text(st, 2, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		im->failed = db_fail(im->db, "lookup");
	sqlite3_reset(st);
	return id;
}

static int64_t
site_ref(struct imp *im, int c)
{
	const char *v = need(im, c);
	int64_t id;

	if (!*v)
		return 0;
	if (!(id = memo_id(im, 's', v, store_site_id)) && !im->failed)
		bad(im, c, v, "unknown site");
	return id;
}

static int64_t
cluster_ref(struct imp *im, int c, const char *v)
{
	int64_t id = memo_id(im, 'c', v, store_cluster_id);

	if (!id && !im->failed)
		bad(im, c, v, "unknown cluster");
	return id;
}

static int64_t
metric_ref(struct imp *im, int c)
{
	static const char sql[] = "SELECT id FROM metric WHERE review_id = ?1 AND code = ?2 COLLATE NOCASE";
	const char *v = need(im, c);
	int64_t id;

	if (!*v)
		return 0;
	if (!(id = lookup(im, sql, v)) && !im->failed)
		bad(im, c, v, "unknown metric");
	return id;
}

static const char *
canonical(const char *const *names, const char *v)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], v) == 0)
			return names[i];
	return NULL;
}

/* Fills p for the person named in column c; false (with a message) when unknown. */
static bool
person_ref(struct imp *im, int c, struct person *p)
{
	static const char sql[] = "SELECT id, role, coalesce(site_id, 0) FROM person "
				  "WHERE review_id = ?1 AND name = ?2";
	const char *v = get(im, c);
	sqlite3_stmt *st;
	int rc;

	memset(p, 0, sizeof(*p));
	if (memo_get(im, 'p', v, p))
		return true;
	if (!(st = db_stmt(im->db, sql))) {
		im->failed = QREL_DB;
		return false;
	}
	sqlite3_bind_int64(st, 1, im->review);
	db_bind_text(st, 2, v);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		p->id = sqlite3_column_int64(st, 0);
		p->role = canonical(roles, db_col_text(st, 1));
		p->site = sqlite3_column_int64(st, 2);
	} else if (rc != SQLITE_DONE) {
		im->failed = db_fail(im->db, "looking up a person");
	} else {
		bad(im, c, v, "unknown person");
	}
	sqlite3_reset(st);
	memo_put(im, 'p', v, p);
	return p->id > 0;
}

/* ---- values ---- */

static bool
count_of(struct imp *im, int c, long *out)
{
	const char *v = need(im, c);

	if (!*v)
		return false;
	if (!str_to_long(v, out)) {
		bad(im, c, v, "not a whole number");
		return false;
	}
	if (*out < 0) {
		bad(im, c, v, "must not be negative");
		return false;
	}
	return true;
}

struct when {
	int y, mo, d, h, mi, s;
	int parts;		/* 1 a date, 2 with minutes, 3 with seconds */
};

static bool
digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

static bool
date_ok(const struct when *w)
{
	return date_ymd_valid(w->y, w->mo, w->d);
}

/* Fractions of a second (dropped): '.' or ',' and digits. */
static const char *
skip_fraction(const char *s)
{
	if ((*s == '.' || *s == ',') && isdigit((unsigned char)s[1]))
		for (s++; isdigit((unsigned char)*s); s++)
			;
	return s;
}

/* The end of an ISO time: nothing, Z, or an offset +HH:MM, +HHMM or +HH
 * (with utc, moving w to UTC, so every stamp compares with clock_now()). */
static bool
zone(const char *s, struct when *w, bool utc)
{
	int oh = 0, om = 0, sign = *s == '-' ? -1 : 1;
	struct tm tm;
	time_t t;

	if (!*s || strcmp(s, "Z") == 0 || strcmp(s, "z") == 0)
		return true;
	if ((*s != '+' && *s != '-') || !digits(s + 1, 2, &oh) || oh > 14)
		return false;
	s += 3;
	if (*s == ':')
		s++;
	if (*s && (!digits(s, 2, &om) || om > 59 || s[2]))
		return false;
	if (!utc)
		return true;
	tm = (struct tm){ .tm_year = w->y - 1900, .tm_mon = w->mo - 1, .tm_mday = w->d, .tm_hour = w->h,
			  .tm_min = w->mi, .tm_sec = w->s };
	t = timegm(&tm) - sign * (oh * 3600 + om * 60);
	if (!gmtime_r(&t, &tm))
		return false;
	*w = (struct when){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			    w->parts < 2 ? 2 : w->parts };
	return true;
}

/* YYYY-MM-DD, then optionally THH:MM and :SS (a space for the T), a fraction
 * of a second and Z or an offset, as spreadsheets and ODK or Kobo write them.
 * utc: an offset moves the time to UTC; else the local time is kept. */
static bool
parse_when(const char *s, struct when *w, bool utc)
{
	memset(w, 0, sizeof(*w));
	if (!digits(s, 4, &w->y) || s[4] != '-' || !digits(s + 5, 2, &w->mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &w->d) || !date_ok(w))
		return false;
	w->parts = 1;
	if (!s[10])
		return true;
	if ((s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2, &w->h) || s[13] != ':' ||
	    !digits(s + 14, 2, &w->mi) || w->h > 23 || w->mi > 59)
		return false;
	w->parts = 2;
	s += 16;
	if (*s == ':') {
		if (!digits(s + 1, 2, &w->s) || w->s > 59)
			return false;
		w->parts = 3;
		s = skip_fraction(s + 3);
	}
	return zone(s, w, utc);
}

/* The clock's own form, for times compared with clock_now(). */
static void
when_full(const struct when *w, char *out, size_t size)
{
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", w->y, w->mo, w->d, w->h, w->mi, w->s);
}

/* An activity keeps the precision it was given: a date stays a date. */
static void
when_held(const struct when *w, char *out, size_t size)
{
	if (w->parts == 1)
		snprintf(out, size, "%04d-%02d-%02d", w->y, w->mo, w->d);
	else if (w->parts == 2)
		snprintf(out, size, "%04d-%02d-%02dT%02d:%02d", w->y, w->mo, w->d, w->h, w->mi);
	else
		snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d", w->y, w->mo, w->d, w->h, w->mi, w->s);
}

/* Column c as a time in out; now when empty. False (with a message) when malformed. */
static bool
stamp(struct imp *im, int c, char *out, size_t size)
{
	const char *v = get(im, c);
	struct when w;

	if (!*v) {
		char now[21];

		clock_now(now);
		snprintf(out, size, "%s", now);
		return true;
	}
	if (parse_when(v, &w, true)) {
		when_full(&w, out, size);
		return true;
	}
	bad(im, c, v, "not a date or time (YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, "
	    "with a fraction and Z or an offset like +02:00 if wanted)");
	return false;
}

/* A lowercased UUID from column c into out; false (with a message) when malformed. */
static bool
uuid_of(struct imp *im, int c, const char *v, char out[UUID_LEN + 1])
{
	size_t n;

	if (strncasecmp(v, "uuid:", 5) == 0)
		v += 5;	/* ODK's instanceID */
	n = strlen(v);
	if (n == UUID_LEN) {
		for (size_t i = 0; i <= n; i++)
			out[i] = (char)tolower((unsigned char)v[i]);
		if (uuid_valid(out))
			return true;
	}
	bad(im, c, v, "not a UUID (like 123e4567-e89b-42d3-a456-426614174000)");
	return false;
}

/* ---- duplicates and writing ---- */

/* Takes key. Only rows that are otherwise sound are compared, so one
 * mistake is not reported twice. */
static bool
first_in_file(struct imp *im, char *key, int c, const char *value, const char *what)
{
	int prev;

	if (!row_ok(im)) {
		free(key);
		return false;
	}
	if (!(prev = keyset_put(&im->keys, key, im->r->line)))
		return true;
	if (what)
		bad(im, c, NULL, "duplicates line %d (the same %s)", prev, what);
	else
		bad(im, c, value, "duplicates line %d", prev);
	return false;
}

static void
unique_code(struct imp *im, int c, const char *v)
{
	if (*v)
		first_in_file(im, lower_dup(v), c, v, NULL);
}

/* Binds a new row's uuid (?1) and review (?2), or an existing row's id. */
static void
bind_target(struct imp *im, sqlite3_stmt *st, int64_t id, int id_param)
{
	char uuid[UUID_LEN + 1];

	if (id) {
		sqlite3_bind_int64(st, id_param, id);
		return;
	}
	uuid_new(uuid);
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, im->review);
}

/* Counts a row written: inserted, updated (changed) or unchanged. */
static int
counted(struct imp *im, bool insert, bool changed)
{
	if (insert)
		im->st->inserted++;
	else if (changed)
		im->st->updated++;
	else
		im->st->unchanged++;
	return QREL_OK;
}

/* Runs an insert or a "changed only" update and counts what it did. */
static int
upsert_done(struct imp *im, sqlite3_stmt *st, bool insert)
{
	int rc = db_step_done(im->db, st, im->k->name);

	return rc == QREL_OK ? counted(im, insert, sqlite3_changes(db_handle(im->db)) > 0) : rc;
}

/* A refusal by the gate is the row's problem, reported in column c (the one
 * naming what is written), and refuses the whole file. */
static void
gate_refused(struct imp *im, int c, int rc)
{
	if (rc == QREL_DB)
		im->failed = rc;
	else
		bad(im, c, *get(im, c) ? get(im, c) : NULL, "%s", error_message());
}

/* Asks the gate for the row's write (gate.h). */
static void
gate_row(struct imp *im, int c, const struct gate_write *w)
{
	int rc;

	if (row_ok(im) && (rc = gate_check(im->db, im->review, &im->actor, w)) != QREL_OK)
		gate_refused(im, c, rc);
}

/* A note's write, asked once per site and author: while notes are imported
 * nothing the gate reads can change (an evidence row writes no person, role,
 * site or lock), so a write allowed once is allowed again. A refusal is not
 * kept: each refused row is asked, and reported, on its own. */
static void
gate_note(struct imp *im, int c, int64_t site, int64_t author)
{
	char key[48];
	struct person allowed = { .id = 1 };
	int rc;

	if (!row_ok(im))
		return;
	snprintf(key, sizeof(key), "%lld:%lld", (long long)site, (long long)author);
	if (memo_get(im, 'g', key, &allowed))
		return;
	rc = gate_check(im->db, im->review, &im->actor,
			&(struct gate_write){ .what = GATE_NOTE, .site = site, .owner = author });
	if (rc != QREL_OK)
		gate_refused(im, c, rc);
	else
		memo_put(im, 'g', key, &allowed);
}

/* ---- sites ---- */

enum { SI_CODE, SI_NAME, SI_KIND };
static const char *const site_cols[] = { "code", "name", "kind", NULL };
static const bool site_req[] = { true, true, true };

static int
row_site(struct imp *im)
{
	static const char ins[] = "INSERT INTO site(uuid, review_id, code, name, kind) "
				  "VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char upd[] = "UPDATE site SET name = ?4, kind = ?5 "
				  "WHERE id = ?6 AND (name IS NOT ?4 OR kind IS NOT ?5)";
	const char *code = need(im, SI_CODE), *name = need(im, SI_NAME);
	const char *kind = one_of(im, SI_KIND, site_kinds, NULL);
	sqlite3_stmt *st;
	int64_t id;

	unique_code(im, SI_CODE, code);
	if (!row_ok(im))
		return im->failed;
	if ((id = store_site_id(im->db, im->review, code)) < 0)
		return QREL_DB;
	gate_row(im, SI_CODE, &(struct gate_write){ .what = GATE_SITE, .site = id });
	if (!row_ok(im))
		return im->failed;
	if (!(st = db_stmt(im->db, id ? upd : ins)))
		return QREL_DB;
	bind_target(im, st, id, 6);
	db_bind_text(st, 3, code);
	db_bind_text(st, 4, name);
	db_bind_text(st, 5, kind);
	return upsert_done(im, st, id == 0);
}

/* ---- people ---- */

enum { PE_NAME, PE_ROLE, PE_SITE, PE_LOGIN };
static const char *const person_cols[] = { "name", "role", "site", "login", NULL };
static const bool person_req[] = { true, true, false, false };

/* A principal belongs to a site (a school, or the district for its own
 * self-evaluation); nobody else does. */
static int64_t
person_site(struct imp *im, const char *role)
{
	const char *v = get(im, PE_SITE);

	if (is(role, "principal")) {
		if (*v)
			return site_ref(im, PE_SITE);
		bad(im, PE_SITE, NULL, "a principal needs their school's code");
	} else if (*v) {
		bad(im, PE_SITE, v, "only a principal belongs to a site");
	}
	return 0;
}

/* The login column: a Unix user name, one person's only; "" clears it. */
static const char *
person_login(struct imp *im, const char *name)
{
	static const char sql[] = "SELECT id FROM person WHERE review_id = ?1 AND login = ?2";
	const char *v = get(im, PE_LOGIN);
	char *key;
	int64_t other;

	if (!*v)
		return NULL;
	if (!identity_login_valid(v)) {
		bad(im, PE_LOGIN, v, "not a Unix user name (lower-case letters, digits, '_' and '-')");
		return NULL;
	}
	key = key_join((const char *const[]){ "login", v }, 2);
	if (!first_in_file(im, key, PE_LOGIN, v, NULL))
		return NULL;
	if ((other = lookup(im, sql, v)) && store_person_id(im->db, im->review, name) != other)
		bad(im, PE_LOGIN, v, "is already another person's login");
	return v;
}

/* What the change log keeps of a person: "role|site|login". */
static char *
person_state(struct imp *im, int64_t id, char uuid[UUID_LEN + 1])
{
	static const char sql[] = "SELECT p.uuid, p.role || '|' || coalesce(s.code, '') || '|' || "
				  "coalesce(p.login, '') FROM person p LEFT JOIN site s ON s.id = p.site_id WHERE p.id = ?1";
	sqlite3_stmt *st = db_stmt(im->db, sql);
	char *v = NULL;

	if (!st)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(uuid, UUID_LEN + 1, "%s", db_col_text(st, 0));
		v = xstrdup(db_col_text(st, 1));
	}
	sqlite3_reset(st);
	return v;
}

/* Who is who is the review's most guarded fact: every change is logged. */
static int
person_log(struct imp *im, int64_t id, const char *old)
{
	char uuid[UUID_LEN + 1] = "";
	char *now = person_state(im, id, uuid);
	int rc = QREL_OK;

	if (!now)
		return db_fail(im->db, "reading a person back");
	if (!old || strcmp(old, now) != 0)
		rc = changelog_add(im->db, im->review, im->who, "person", uuid, old ? "role|site|login" : "create",
				   old, now, im->reason);
	free(now);
	return rc;
}

static int
row_person(struct imp *im)
{
	static const char ins[] = "INSERT INTO person(uuid, review_id, name, role, site_id, login) "
				  "VALUES (?1, ?2, ?3, ?4, ?5, ?7)";
	static const char upd[] = "UPDATE person SET role = ?4, site_id = ?5, login = iif(?8, ?7, login) "
				  "WHERE id = ?6 AND (role IS NOT ?4 OR site_id IS NOT ?5 OR (?8 AND login IS NOT ?7))";
	const char *name = need(im, PE_NAME);
	const char *role = one_of(im, PE_ROLE, roles, NULL);
	int64_t site = person_site(im, role), id;
	const char *login;
	char uuid[UUID_LEN + 1], *old = NULL;
	sqlite3_stmt *st;
	int rc;

	first_in_file(im, xstrdup(name), PE_NAME, name, NULL);
	login = person_login(im, name);
	if (!row_ok(im))
		return im->failed;
	if ((id = store_person_id(im->db, im->review, name)) < 0)
		return QREL_DB;
	gate_row(im, PE_ROLE, &(struct gate_write){ .what = GATE_PERSON, .owner = id });
	if (!row_ok(im))
		return im->failed;
	if (!(st = db_stmt(im->db, id ? upd : ins)))
		return QREL_DB;
	bind_target(im, st, id, 6);
	db_bind_text(st, 3, name);
	db_bind_text(st, 4, role);
	db_bind_id(st, 5, site);
	db_bind_text(st, 7, login);
	sqlite3_bind_int(st, 8, present(im, PE_LOGIN));
	if (id && !(old = person_state(im, id, uuid)))
		return db_fail(im->db, "reading a person");
	if ((rc = upsert_done(im, st, id == 0)) == QREL_OK)
		rc = person_log(im, id ? id : sqlite3_last_insert_rowid(db_handle(im->db)), old);
	free(old);
	return rc;
}

/* ---- activities ---- */

enum { AC_ID, AC_SITE, AC_SOURCE, AC_HELD, AC_DESC, AC_FACILITATOR, AC_GROUPS, AC_PARTICIPANTS, AC_LANGUAGE,
	AC_INTERPRETER };
static const char *const activity_cols[] = { "id", "site", "source", "held_at", "description",
	"facilitator", "groups", "participants", "language", "interpreter", NULL };
static const bool activity_req[] = { false, true, true, true, false, false, false, false, false, false };

struct activity {
	char uuid[UUID_LEN + 1], held[32];
	int64_t site, facilitator;
	const char *source, *description;	/* description NULL: keep the stored one */
	struct voice_input voice;		/* each field only when its column is there */
};

/* The stakeholder groups of a row (column c), checked against the framework's. */
static const char *
voice_groups_of(struct imp *im, int c)
{
	char norm[VOICE_LIST_MAX];
	const char *v = get(im, c);

	if (!present(im, c))
		return NULL;
	if (voice_parse(im->db, im->review, v, norm, sizeof(norm)) != QREL_OK)
		bad(im, c, v, "%s", error_message());
	return v;
}

static void
activity_voice(struct imp *im, struct activity *a)
{
	const char *n = get(im, AC_PARTICIPANTS), *i = get(im, AC_INTERPRETER);
	long v;

	a->voice.groups = voice_groups_of(im, AC_GROUPS);
	if (*n && (!str_to_long(n, &v) || v < 1 || v > 100000))
		bad(im, AC_PARTICIPANTS, n, "must be a whole number from 1, or empty");
	else if (*n)
		a->voice.participants = (int)v;
	a->voice.language = present(im, AC_LANGUAGE) ? get(im, AC_LANGUAGE) : NULL;
	if (a->voice.language && voice_check(im->db, im->review, &(struct voice_input){ .language = a->voice.language }))
		bad(im, AC_LANGUAGE, a->voice.language, "%s", error_message());
	if (!strcasecmp(i, "yes") || !strcasecmp(i, "true") || !strcmp(i, "1"))
		a->voice.interpreter = 1;
	else if (!strcasecmp(i, "no") || !strcasecmp(i, "false") || !strcmp(i, "0"))
		a->voice.interpreter = -1;
	else if (*i)
		bad(im, AC_INTERPRETER, i, "must be yes or no");
}

static void
activity_held(struct imp *im, struct activity *a)
{
	const char *v = need(im, AC_HELD);
	struct when w;

	a->held[0] = '\0';
	if (*v && parse_when(v, &w, false))
		when_held(&w, a->held, sizeof(a->held));
	else if (*v)
		bad(im, AC_HELD, v, "not a date or time (YYYY-MM-DD, YYYY-MM-DDTHH:MM or "
			"YYYY-MM-DDTHH:MM:SS, with a fraction and Z or an offset like +02:00 if wanted)");
}

/* The file's id, or one derived from the other fields. */
static void
activity_uuid(struct imp *im, struct activity *a)
{
	const char *id = get(im, AC_ID);
	char *site;

	if (*id) {
		uuid_of(im, AC_ID, id, a->uuid);
		return;
	}
	site = lower_dup(get(im, AC_SITE));
	derive_uuid((const char *const[]){ "activity", site, a->source ? a->source : "", a->held,
		get(im, AC_DESC), get(im, AC_FACILITATOR) }, 6, a->uuid);
	free(site);
}

static void
activity_check(struct imp *im, struct activity *a)
{
	struct person p;

	memset(a, 0, sizeof(*a));
	a->site = site_ref(im, AC_SITE);
	a->source = one_of(im, AC_SOURCE, sources, NULL);
	activity_held(im, a);
	a->description = present(im, AC_DESC) ? get(im, AC_DESC) : NULL;
	if (*get(im, AC_FACILITATOR) && person_ref(im, AC_FACILITATOR, &p))
		a->facilitator = p.id;
	activity_voice(im, a);
	activity_uuid(im, a);
	first_in_file(im, xstrdup(a->uuid), AC_ID, a->uuid, NULL);
}

static int
row_activity(struct imp *im)
{
	static const char find[] = "SELECT id FROM activity WHERE review_id = ?1 AND uuid = ?2";
	struct activity a;
	struct activity_fields f;
	bool insert, changed = false;
	int64_t id;
	int rc;

	activity_check(im, &a);
	gate_row(im, AC_SITE, &(struct gate_write){ .what = GATE_ACTIVITY, .site = a.site });
	if (!row_ok(im))
		return im->failed;
	id = lookup(im, find, a.uuid);
	if (im->failed)
		return im->failed;
	f = (struct activity_fields){ .uuid = a.uuid, .review = im->review, .site = a.site, .source = a.source,
		.held_at = a.held, .description = a.description, .facilitator = a.facilitator,
		.set_facilitator = present(im, AC_FACILITATOR) };
	insert = id == 0;
	rc = insert ? activity_insert_row(im->db, &f, im->k->name, &id)
		    : activity_apply_row(im->db, id, &f, im->k->name, &changed);
	if (rc != QREL_OK || (rc = counted(im, insert, changed)) != QREL_OK)
		return rc;
	return voice_write_activity(im->db, im->review, im->who, id, &a.voice);
}

/* ---- metrics ---- */

enum { ME_CODE, ME_NAME, ME_DIRECTION, ME_DENOMINATOR, ME_CLUSTER };
static const char *const metric_cols[] = { "code", "name", "direction", "denominator", "cluster", NULL };
static const bool metric_req[] = { true, true, true, false, false };

static int
row_metric(struct imp *im)
{
	static const char find[] = "SELECT id FROM metric WHERE review_id = ?1 AND code = ?2 COLLATE NOCASE";
	static const char ins[] = "INSERT INTO metric(uuid, review_id, code, name, direction, denominator, "
				  "cluster_id) VALUES (?1, ?2, ?3, ?4, ?5, coalesce(?6, '" DEFAULT_DENOMINATOR "'), ?7)";
	static const char upd[] = "UPDATE metric SET name = ?4, direction = ?5, "
				  "denominator = coalesce(?6, denominator), cluster_id = iif(?8, ?7, cluster_id) "
				  "WHERE id = ?9 AND NOT (name IS ?4 AND direction IS ?5 AND "
				  "denominator IS coalesce(?6, denominator) AND cluster_id IS iif(?8, ?7, cluster_id))";
	const char *code = need(im, ME_CODE), *name = need(im, ME_NAME);
	const char *direction = one_of(im, ME_DIRECTION, directions, NULL);
	const char *denominator = get(im, ME_DENOMINATOR), *cluster = get(im, ME_CLUSTER);
	int64_t cluster_id = *cluster ? cluster_ref(im, ME_CLUSTER, cluster) : 0, id;
	sqlite3_stmt *st;

	unique_code(im, ME_CODE, code);
	gate_row(im, ME_CODE, &(struct gate_write){ .what = GATE_DATA });
	if (!row_ok(im))
		return im->failed;
	id = lookup(im, find, code);
	if (im->failed)
		return im->failed;
	if (!(st = db_stmt(im->db, id ? upd : ins)))
		return QREL_DB;
	bind_target(im, st, id, 9);
	db_bind_text(st, 3, code);
	db_bind_text(st, 4, name);
	db_bind_text(st, 5, direction);
	/* An empty denominator means the default; an absent column keeps what is stored. */
	db_bind_text(st, 6, !present(im, ME_DENOMINATOR) ? NULL : *denominator ? denominator
								  : DEFAULT_DENOMINATOR);
	db_bind_id(st, 7, cluster_id);
	sqlite3_bind_int(st, 8, present(im, ME_CLUSTER));
	return upsert_done(im, st, id == 0);
}

/* ---- evidence ---- */

enum { EV_ID, EV_CREATED, EV_SITE, EV_SOURCE, EV_AUTHOR, EV_VALENCE, EV_CLUSTERS, EV_SUBGROUPS,
	EV_ACTIVITY, EV_TEXT, EV_GROUPS };
static const char *const note_cols[] = { "id", "created_at", "site", "source", "author", "valence",
	"clusters", "subgroups", "activity", "text", "groups", NULL };
static const bool note_req[] = { false, false, true, true, true, false, true, false, false, true, false };

struct note {
	char uuid[UUID_LEN + 1], created[32];
	int64_t site, author, activity;
	const char *source, *valence, *text;
	int64_t cluster[MAX_ITEMS];
	size_t nclusters;
	const char *dimension[MAX_ITEMS], *group[MAX_ITEMS];
	size_t nsubgroups;
	const char *voices;		/* stakeholder groups; NULL: the activity's */
};

/* Splits a list on any of seps in place into trimmed, non-empty items; max + 1
 * when there are too many. */
static size_t
split_list(char *s, const char *seps, char **items, size_t max)
{
	size_t n = 0;

	for (char *next; s; s = next) {
		if (*(next = s + strcspn(s, seps)))
			*next++ = '\0';
		else
			next = NULL;
		s = str_trim(s);
		if (!*s)
			continue;
		if (n == max)
			return max + 1;
		items[n++] = s;
	}
	return n;
}

static void
note_clusters(struct imp *im, struct note *nt)
{
	char *items[MAX_ITEMS];
	/* codes have no spaces: "1.1 1.2" is how Kobo and ODK write a multiple choice */
	size_t n = split_list(get(im, EV_CLUSTERS), "; \t", items, MAX_ITEMS);

	if (n == 0)
		bad(im, EV_CLUSTERS, NULL, "needs at least one cluster code");
	else if (n > MAX_ITEMS)
		bad(im, EV_CLUSTERS, NULL, "more than %d clusters", MAX_ITEMS);
	for (size_t i = 0; i < n && i < MAX_ITEMS; i++)
		if ((nt->cluster[nt->nclusters] = cluster_ref(im, EV_CLUSTERS, items[i])) > 0)
			nt->nclusters++;
}

static void
note_subgroups(struct imp *im, struct note *nt)
{
	char *items[MAX_ITEMS], *colon;
	size_t n = split_list(get(im, EV_SUBGROUPS), ";", items, MAX_ITEMS);

	if (n > MAX_ITEMS) {
		bad(im, EV_SUBGROUPS, NULL, "more than %d subgroups", MAX_ITEMS);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *dim, *grp;

		if (!(colon = strchr(items[i], ':'))) {
			bad(im, EV_SUBGROUPS, items[i], "expected dimension:group");
			continue;
		}
		*colon = '\0';
		dim = str_trim(items[i]);
		grp = str_trim(colon + 1);
		if (!*dim || !*grp) {
			bad(im, EV_SUBGROUPS, grp, "expected dimension:group, both named");
			continue;
		}
		nt->dimension[nt->nsubgroups] = dim;
		nt->group[nt->nsubgroups++] = grp;
	}
}

/* The activity a note came from must have been held at the note's site. */
static void
note_activity(struct imp *im, struct note *nt)
{
	static const char sql[] = "SELECT a.id, a.site_id, s.code FROM activity a "
				  "JOIN site s ON s.id = a.site_id WHERE a.review_id = ?1 AND a.uuid = ?2";
	const char *v = get(im, EV_ACTIVITY);
	char uuid[UUID_LEN + 1];
	sqlite3_stmt *st;
	int rc;

	if (!*v || !uuid_of(im, EV_ACTIVITY, v, uuid))
		return;
	if (!(st = db_stmt(im->db, sql))) {
		im->failed = QREL_DB;
		return;
	}
	sqlite3_bind_int64(st, 1, im->review);
	db_bind_text(st, 2, uuid);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		nt->activity = sqlite3_column_int64(st, 0);
		if (nt->site && sqlite3_column_int64(st, 1) != nt->site)
			bad(im, EV_ACTIVITY, v, "was held at site %s, not at this row's site",
				db_col_text(st, 2));
	} else if (rc == SQLITE_DONE) {
		bad(im, EV_ACTIVITY, v, "unknown activity");
	} else {
		im->failed = db_fail(im->db, "looking up an activity");
	}
	sqlite3_reset(st);
}

/* The file's id, or one derived from what the note says, where and by whom. */
static void
note_uuid(struct imp *im, struct note *nt)
{
	const char *id = get(im, EV_ID), *created = get(im, EV_CREATED);
	char *site;

	if (*id) {
		uuid_of(im, EV_ID, id, nt->uuid);
		return;
	}
	site = lower_dup(get(im, EV_SITE));
	derive_uuid((const char *const[]){ "note", site, nt->source ? nt->source : "",
		get(im, EV_AUTHOR), *created ? nt->created : "", nt->text }, 6, nt->uuid);
	free(site);
}

static void
note_check(struct imp *im, struct note *nt)
{
	struct person author;

	memset(nt, 0, sizeof(*nt));
	stamp(im, EV_CREATED, nt->created, sizeof(nt->created));
	nt->site = site_ref(im, EV_SITE);
	nt->source = one_of(im, EV_SOURCE, sources, NULL);
	if (*need(im, EV_AUTHOR) && person_ref(im, EV_AUTHOR, &author))
		nt->author = author.id;
	nt->valence = one_of(im, EV_VALENCE, valences, "neutral");
	nt->text = need(im, EV_TEXT);
	note_clusters(im, nt);
	note_subgroups(im, nt);
	note_activity(im, nt);
	nt->voices = voice_groups_of(im, EV_GROUPS);
	note_uuid(im, nt);
}

static int
note_links(struct imp *im, const struct note *nt, int64_t id)
{
	int rc = note_link_clusters(im->db, id, nt->cluster, nt->nclusters);

	for (size_t i = 0; i < nt->nsubgroups && rc == QREL_OK; i++)
		rc = note_link_subgroup(im->db, id, nt->dimension[i], nt->group[i]);
	return rc;
}

/* The line of the note this import added as id (0: the temporary file failed). */
static int
added_line(struct imp *im, int64_t id)
{
	int line = 0;

	if (fflush(im->added.lines) != 0 ||
	    pread(fileno(im->added.lines), &line, sizeof(line), (off_t)(id - im->added.base - 1) * (off_t)sizeof(line))
	    != (ssize_t)sizeof(line))
		return 0;
	return line;
}

/* The stored note with this uuid (0: none), and whether the file gave it before:
 * a note this import added (its line is kept) or one stored already that an
 * earlier row named (kept in keys, as other kinds keep every key). */
static int64_t
note_seen(struct imp *im, const struct note *nt)
{
	static const char find[] = "SELECT id FROM note WHERE review_id = ?1 AND uuid = ?2";
	int64_t id;

	if (!row_ok(im))
		return 0;
	id = lookup(im, find, nt->uuid);
	if (im->failed || !id)
		return 0;
	if (id > im->added.base && (size_t)(id - im->added.base) <= im->added.n)
		bad(im, EV_ID, nt->uuid, "duplicates line %d", added_line(im, id));
	else
		first_in_file(im, xstrdup(nt->uuid), EV_ID, nt->uuid, NULL);
	return id;
}

/* Remembers the line of the note just added as id: in the temporary file while ids run
 * on from the first (SQLite's max + 1), else (never seen) as its uuid in keys. */
static int
note_added(struct imp *im, int64_t id, const char *uuid)
{
	if (im->added.n == 0)
		im->added.base = id - 1;
	if (id != im->added.base + (int64_t)im->added.n + 1 || im->added.apart) {
		im->added.apart = true;
		keyset_put(&im->keys, xstrdup(uuid), im->r->line);
		return QREL_OK;
	}
	if (!im->added.lines && !(im->added.lines = tmpfile()))
		return error(QREL_IO, "cannot create a temporary file: %s", strerror(errno));
	if (fwrite(&im->r->line, sizeof(im->r->line), 1, im->added.lines) != 1)
		return error(QREL_IO, "cannot write a temporary file: %s", strerror(errno));
	im->added.n++;
	return QREL_OK;
}

/* Evidence is only ever added: a note already stored (by uuid) is left as it is. */
static int
row_note(struct imp *im)
{
	struct note nt;
	int64_t id;
	int rc;

	note_check(im, &nt);
	id = note_seen(im, &nt);
	gate_note(im, EV_AUTHOR, nt.site, nt.author);
	if (!row_ok(im))
		return im->failed;
	if (id) {
		im->st->unchanged++;
		return QREL_OK;
	}
	if ((rc = note_insert_row(im->db, &(struct note_fields){ .uuid = nt.uuid, .review = im->review,
		.site = nt.site, .activity = nt.activity, .source = nt.source, .author = nt.author,
		.valence = nt.valence, .text = nt.text, .created_at = nt.created, .updated_at = nt.created,
		.version = 1 }, im->k->name, &id)) != QREL_OK || (rc = counted(im, true, true)) != QREL_OK)
		return rc;
	if ((rc = note_added(im, id, nt.uuid)) != QREL_OK || (rc = note_links(im, &nt, id)) != QREL_OK ||
	    (rc = changelog_add(im->db, im->review, im->who, "note", nt.uuid, "create", NULL, nt.text,
				im->reason)) != QREL_OK)
		return rc;
	return voice_write_note(im->db, im->review, im->who, id, nt.voices);
}

/* ---- scores ---- */

enum { SC_SITE, SC_CLUSTER, SC_RATER, SC_KIND, SC_LEVEL, SC_RATIONALE, SC_UPDATED };
static const char *const score_cols[] = { "site", "cluster", "rater", "kind", "level", "rationale",
	"updated_at", NULL };
static const bool score_req[] = { true, true, true, true, true, false, false };
static const bool score_wide_req[] = { true, true, true, false, true, false, false };

struct score {
	int64_t site, cluster;
	struct person rater;
	const char *kind;
	char level[16];		/* the change log's form: "2", "NE", or "" for not rated */
	int value;		/* 0: not rated, or NE */
	bool insufficient;
	const char *rationale;	/* NULL: keep the stored one */
	char updated[32];
};

/* A level named by the framework's scale ("Developing"), without case; 0 when none is. */
static long
level_label(struct imp *im, const char *v)
{
	long n = score_level_label(im->db, im->review, v);

	if (n < 0)
		im->failed = QREL_DB;
	return n;
}

static void
score_level(struct imp *im, struct score *s)
{
	const char *v = get(im, SC_LEVEL);
	long n;

	if (!*v)
		return;
	if (strcasecmp(v, "NE") == 0) {
		s->insufficient = true;
		strcpy(s->level, "NE");
	} else if ((str_to_long(v, &n) || (n = level_label(im, v)) > 0) && n >= 1 && n <= im->levels) {
		s->value = (int)n;
		snprintf(s->level, sizeof(s->level), "%d", s->value);
	} else if (!im->failed) {
		bad(im, SC_LEVEL, v, "must be a level from 1 to %d or its label, NE (insufficient evidence) "
		    "or empty", im->levels);
	}
}

/* Who may give which score is the gate's to say: the rater's role for the
 * kind, the importer as the rater unless they are the lead, locks and scale. */
static void
score_gate(struct imp *im, const struct score *s)
{
	enum score_kind kind;

	if (!row_ok(im) || score_kind_parse(s->kind, &kind) != QREL_OK)
		return;
	gate_row(im, SC_RATER, &(struct gate_write){ .what = GATE_SCORE, .site = s->site, .owner = s->rater.id,
		 .score_kind = kind, .level = s->value, .insufficient = s->insufficient });
}

static void
score_check(struct imp *im, struct score *s)
{
	const char *cluster = need(im, SC_CLUSTER);
	char *site = lower_dup(get(im, SC_SITE)), *code = lower_dup(cluster);

	memset(s, 0, sizeof(*s));
	s->site = site_ref(im, SC_SITE);
	s->cluster = *cluster ? cluster_ref(im, SC_CLUSTER, cluster) : 0;
	if (*need(im, SC_RATER))
		person_ref(im, SC_RATER, &s->rater);
	s->kind = one_of(im, SC_KIND, score_kinds, im->csv.wide ? "team" : NULL);
	score_level(im, s);
	s->rationale = present(im, SC_RATIONALE) ? get(im, SC_RATIONALE) : NULL;
	stamp(im, SC_UPDATED, s->updated, sizeof(s->updated));
	first_in_file(im, key_join((const char *const[]){ site, code, get(im, SC_RATER),
		s->kind ? s->kind : get(im, SC_KIND) }, 4), SC_RATER, NULL, "site, cluster, rater and kind");
	free(site);
	free(code);
}

/* The row the score writes (score.h). */
static struct score_fields
score_fields_of(struct imp *im, const struct score *s, const char *uuid)
{
	return (struct score_fields){ .uuid = uuid, .review = im->review, .site = s->site, .cluster = s->cluster,
		.rater = s->rater.id, .kind = s->kind, .rated = s->value != 0, .level = s->value,
		.insufficient = s->insufficient, .rationale = s->rationale, .updated_at = s->updated };
}

static int
score_insert(struct imp *im, const struct score *s)
{
	char uuid[UUID_LEN + 1];
	struct score_fields f;
	int rc;

	uuid_new(uuid);
	f = score_fields_of(im, s, uuid);
	f.version = 1;
	if ((rc = score_insert_row(im->db, &f, im->k->name)) != QREL_OK || (rc = counted(im, true, true)) != QREL_OK ||
	    !s->level[0])
		return rc;
	return changelog_add(im->db, im->review, im->who, "score", uuid, "level", NULL, s->level,
		im->reason);
}

struct stored_score {
	int64_t id;
	char uuid[UUID_LEN + 1], level[16];
	char *rationale;
};

static int
score_find(struct imp *im, const struct score *s, struct stored_score *old)
{
	static const char sql[] = "SELECT id, uuid, CASE WHEN insufficient THEN 'NE' "
				  "ELSE coalesce(level, '') END, rationale FROM score "
				  "WHERE site_id = ?1 AND cluster_id = ?2 AND rater_id = ?3 AND kind = ?4";
	sqlite3_stmt *st = db_stmt(im->db, sql);
	int rc;

	memset(old, 0, sizeof(*old));
	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, s->site);
	sqlite3_bind_int64(st, 2, s->cluster);
	sqlite3_bind_int64(st, 3, s->rater.id);
	db_bind_text(st, 4, s->kind);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		old->id = sqlite3_column_int64(st, 0);
		snprintf(old->uuid, sizeof(old->uuid), "%s", db_col_text(st, 1));
		snprintf(old->level, sizeof(old->level), "%s", db_col_text(st, 2));
		old->rationale = xstrdup(db_col_text(st, 3));
	}
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? QREL_OK : db_fail(im->db, "looking up a score");
	sqlite3_reset(st);
	return rc;
}

static const char *
or_null(const char *s)
{
	return *s ? s : NULL;
}

/* Logs each value that changed: the level (as "2", "NE" or NULL) and the rationale. */
static int
score_log(struct imp *im, const struct score *s, const struct stored_score *old)
{
	int rc = QREL_OK;

	if (strcmp(old->level, s->level) != 0)
		rc = changelog_add(im->db, im->review, im->who, "score", old->uuid, "level",
			or_null(old->level), or_null(s->level), im->reason);
	if (rc == QREL_OK && s->rationale && strcmp(old->rationale, s->rationale) != 0)
		rc = changelog_add(im->db, im->review, im->who, "score", old->uuid, "rationale",
			old->rationale, s->rationale, im->reason);
	return rc;
}

static int
score_update(struct imp *im, const struct score *s, const struct stored_score *old)
{
	struct score_fields f = score_fields_of(im, s, old->uuid);
	int rc;

	if (strcmp(old->level, s->level) == 0 && (!s->rationale || strcmp(old->rationale, s->rationale) == 0)) {
		im->st->unchanged++;
		return QREL_OK;
	}
	if ((rc = score_apply_row(im->db, old->id, &f, im->k->name)) != QREL_OK ||
	    (rc = counted(im, false, true)) != QREL_OK)
		return rc;
	return score_log(im, s, old);
}

static int
row_score(struct imp *im)
{
	struct stored_score old;
	struct score s;
	int rc;

	score_check(im, &s);
	score_gate(im, &s);
	if (!row_ok(im))
		return im->failed;
	if ((rc = score_find(im, &s, &old)) == QREL_OK)
		rc = old.id ? score_update(im, &s, &old) : score_insert(im, &s);
	free(old.rationale);
	return rc;
}

/* ---- subgroup tables ---- */

enum { SG_SITE, SG_YEAR, SG_METRIC, SG_DIMENSION, SG_GROUP, SG_ENROLLED, SG_COUNT };
static const char *const subgroup_cols[] = { "site", "year", "metric", "dimension", "group", "enrolled",
	"count", NULL };
static const bool subgroup_req[] = { true, true, true, true, true, true, true };

struct subgroup {
	int64_t site, metric;
	const char *year, *dimension, *group;
	long enrolled, count;
};

/* The school year in column c: it must lead with the calendar year. */
static const char *
year_of(struct imp *im, int c)
{
	const char *v = need(im, c);
	int y;

	if (*v && !digits(v, 4, &y))
		bad(im, c, v, "must start with a four-digit year (2023 or 2023-24)");
	return v;
}

/* Enrolled in column ce and the outcome count in column cc, 0 <= count <= enrolled. */
static void
counts_of(struct imp *im, int ce, int cc, long *enrolled, long *count)
{
	bool ok = count_of(im, ce, enrolled);

	if (count_of(im, cc, count) && ok && *count > *enrolled)
		bad(im, cc, get(im, cc), "more than enrolled (%ld)", *enrolled);
}

static void
subgroup_check(struct imp *im, struct subgroup *g)
{
	char *site = lower_dup(get(im, SG_SITE)), *metric = lower_dup(get(im, SG_METRIC));

	g->site = site_ref(im, SG_SITE);
	g->year = year_of(im, SG_YEAR);
	g->metric = metric_ref(im, SG_METRIC);
	g->dimension = need(im, SG_DIMENSION);
	g->group = need(im, SG_GROUP);
	counts_of(im, SG_ENROLLED, SG_COUNT, &g->enrolled, &g->count);
	first_in_file(im, key_join((const char *const[]){ site, g->year, metric, g->dimension, g->group },
		5), SG_GROUP, NULL, "site, year, metric, dimension and group");
	free(site);
	free(metric);
}

/* The stored row's id, 0 when new; -1 on failure (im->failed is set). */
static int64_t
subgroup_find(struct imp *im, const struct subgroup *g)
{
	static const char sql[] = "SELECT id FROM subgroup_row WHERE site_id = ?1 AND year = ?2 AND "
				  "metric_id = ?3 AND dimension = ?4 AND grp = ?5";
	sqlite3_stmt *st = db_stmt(im->db, sql);
	int64_t id = 0;
	int rc;

	if (!st) {
		im->failed = QREL_DB;
		return -1;
	}
	sqlite3_bind_int64(st, 1, g->site);
	db_bind_text(st, 2, g->year);
	sqlite3_bind_int64(st, 3, g->metric);
	db_bind_text(st, 4, g->dimension);
	db_bind_text(st, 5, g->group);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		im->failed = db_fail(im->db, "looking up a subgroup row");
	sqlite3_reset(st);
	return im->failed ? -1 : id;
}

static int
row_subgroup(struct imp *im)
{
	static const char ins[] = "INSERT INTO subgroup_row(uuid, review_id, site_id, year, metric_id, "
				  "dimension, grp, enrolled, count, updated_at) "
				  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
	static const char upd[] = "UPDATE subgroup_row SET enrolled = ?8, count = ?9, updated_at = ?10 "
				  "WHERE id = ?11 AND (enrolled IS NOT ?8 OR count IS NOT ?9)";
	struct subgroup g;
	sqlite3_stmt *st;
	char now[21];
	int64_t id;

	subgroup_check(im, &g);
	gate_row(im, SG_SITE, &(struct gate_write){ .what = GATE_DATA, .site = g.site });
	if (!row_ok(im) || (id = subgroup_find(im, &g)) < 0)
		return im->failed;
	if (!(st = db_stmt(im->db, id ? upd : ins)))
		return QREL_DB;
	bind_target(im, st, id, 11);
	sqlite3_bind_int64(st, 3, g.site);
	db_bind_text(st, 4, g.year);
	sqlite3_bind_int64(st, 5, g.metric);
	db_bind_text(st, 6, g.dimension);
	db_bind_text(st, 7, g.group);
	sqlite3_bind_int64(st, 8, g.enrolled);
	sqlite3_bind_int64(st, 9, g.count);
	clock_now(now);
	db_bind_text(st, 10, now);
	return upsert_done(im, st, id == 0);
}

/* ---- state-wide figures ---- */

/* The State's own file has a site column (STATE) in the sample; it is
 * accepted and ignored, so the file imports as published. */
enum { ST_YEAR, ST_METRIC, ST_DIMENSION, ST_GROUP, ST_ENROLLED, ST_COUNT, ST_SITE };
static const char *const state_cols[] = { "year", "metric", "dimension", "group", "enrolled", "count",
	"site", NULL };
static const bool state_req[] = { true, true, true, true, true, true, false };

struct state_figure {
	int64_t metric;
	const char *year, *dimension, *group;
	long enrolled, count;
};

static void
state_check(struct imp *im, struct state_figure *g)
{
	char *metric = lower_dup(get(im, ST_METRIC));

	g->year = year_of(im, ST_YEAR);
	g->metric = metric_ref(im, ST_METRIC);
	g->dimension = need(im, ST_DIMENSION);
	g->group = need(im, ST_GROUP);
	counts_of(im, ST_ENROLLED, ST_COUNT, &g->enrolled, &g->count);
	first_in_file(im, key_join((const char *const[]){ g->year, metric, g->dimension, g->group }, 4),
		ST_GROUP, NULL, "year, metric, dimension and group");
	free(metric);
}

/* The stored row's id, 0 when new; -1 on failure (im->failed is set). */
static int64_t
state_find(struct imp *im, const struct state_figure *g)
{
	static const char sql[] = "SELECT id FROM state_row WHERE review_id = ?1 AND year = ?2 AND "
				  "metric_id = ?3 AND dimension = ?4 AND grp = ?5";
	sqlite3_stmt *st = db_stmt(im->db, sql);
	int64_t id = 0;
	int rc;

	if (!st) {
		im->failed = QREL_DB;
		return -1;
	}
	sqlite3_bind_int64(st, 1, im->review);
	db_bind_text(st, 2, g->year);
	sqlite3_bind_int64(st, 3, g->metric);
	db_bind_text(st, 4, g->dimension);
	db_bind_text(st, 5, g->group);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		im->failed = db_fail(im->db, "looking up a state row");
	sqlite3_reset(st);
	return im->failed ? -1 : id;
}

static int
row_state(struct imp *im)
{
	static const char ins[] = "INSERT INTO state_row(uuid, review_id, year, metric_id, dimension, grp, "
				  "enrolled, count, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	static const char upd[] = "UPDATE state_row SET enrolled = ?7, count = ?8, updated_at = ?9 "
				  "WHERE id = ?10 AND (enrolled IS NOT ?7 OR count IS NOT ?8)";
	struct state_figure g;
	sqlite3_stmt *st;
	char now[21];
	int64_t id;

	state_check(im, &g);
	gate_row(im, ST_METRIC, &(struct gate_write){ .what = GATE_DATA });
	if (!row_ok(im) || (id = state_find(im, &g)) < 0)
		return im->failed;
	if (!(st = db_stmt(im->db, id ? upd : ins)))
		return QREL_DB;
	bind_target(im, st, id, 10);
	db_bind_text(st, 3, g.year);
	sqlite3_bind_int64(st, 4, g.metric);
	db_bind_text(st, 5, g.dimension);
	db_bind_text(st, 6, g.group);
	sqlite3_bind_int64(st, 7, g.enrolled);
	sqlite3_bind_int64(st, 8, g.count);
	clock_now(now);
	db_bind_text(st, 9, now);
	return upsert_done(im, st, id == 0);
}

/* ---- survey results and response rates (survey.h) ---- */

enum { SV_SITE, SV_INSTRUMENT, SV_ITEM, SV_CLUSTER, SV_GROUP, SV_SUBGROUP, SV_RESPONSES, SV_FAVOURABLE,
	SV_OPTIONS };
static const char *const survey_cols[] = { "site", "instrument", "item", "cluster", "group", "subgroup",
	"responses", "favourable", "options", NULL };
static const bool survey_req[] = { true, true, true, false, true, false, false, false, false };

struct survey_result {
	int64_t site, cluster;
	const char *instrument, *item, *group, *subgroup, *options;
	long responses, favourable;
};

/* A percentage: 64, 64.5 or 64%. */
static void
survey_percent(struct imp *im, struct survey_result *g, const char *v)
{
	char *end;
	double pct = strtod(v, &end);

	while (isspace((unsigned char)*end))
		end++;
	end += *end == '%';
	if (end == v || *end || !(pct >= 0 && pct <= 100))
		bad(im, SV_FAVOURABLE, v, "not a percentage from 0 to 100");
	else
		g->favourable = survey_favourable_of_pct(pct, g->responses);
}

/* responses and favourable answers from the responses, favourable and options columns. */
static void
survey_counts(struct imp *im, struct survey_result *g)
{
	const char *fav = get(im, SV_FAVOURABLE);
	long sum = 0, plus = 0;
	char why[128];

	g->options = get(im, SV_OPTIONS);
	if (*g->options && !survey_parse_options(g->options, &sum, &plus, why, sizeof(why)))
		bad(im, SV_OPTIONS, g->options, "%s", why);
	if (!*get(im, SV_RESPONSES) && *g->options)
		g->responses = sum;
	else if (count_of(im, SV_RESPONSES, &g->responses) && *g->options && sum != g->responses)
		bad(im, SV_RESPONSES, get(im, SV_RESPONSES), "differs from the sum of the options (%ld)", sum);
	if (*fav)
		survey_percent(im, g, fav);
	else if (*g->options)
		g->favourable = plus;
	else
		bad(im, SV_FAVOURABLE, NULL, "give a percentage, or the options' counts");
}

static void
survey_check(struct imp *im, struct survey_result *g)
{
	char *site = lower_dup(get(im, SV_SITE));
	const char *cluster = get(im, SV_CLUSTER);

	memset(g, 0, sizeof(*g));
	g->site = site_ref(im, SV_SITE);
	g->instrument = need(im, SV_INSTRUMENT);
	g->item = need(im, SV_ITEM);
	g->group = need(im, SV_GROUP);
	g->subgroup = get(im, SV_SUBGROUP);
	g->cluster = *cluster ? cluster_ref(im, SV_CLUSTER, cluster) : 0;
	survey_counts(im, g);
	first_in_file(im, key_join((const char *const[]){ site, g->instrument, g->item, g->group, g->subgroup }, 5),
		SV_ITEM, NULL, "site, instrument, item, group and subgroup");
	free(site);
}

/* The stored row whose site is ?1 and text columns ?2... are text; 0 when new, -1 on failure. */
static int64_t
survey_find(struct imp *im, const char *sql, int64_t site, const char *const *text, size_t n)
{
	sqlite3_stmt *st = db_stmt(im->db, sql);
	int64_t id = 0;
	int rc;

	if (!st) {
		im->failed = QREL_DB;
		return -1;
	}
	sqlite3_bind_int64(st, 1, site);
	for (size_t i = 0; i < n; i++)
		db_bind_text(st, (int)i + 2, text[i]);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		im->failed = db_fail(im->db, "looking up a survey row");
	sqlite3_reset(st);
	return im->failed ? -1 : id;
}

static int
row_survey(struct imp *im)
{
	static const char find[] = "SELECT id FROM survey_item WHERE site_id = ?1 AND instrument = ?2 AND item = ?3 "
				   "AND grp = ?4 AND subgroup = ?5";
	static const char ins[] = "INSERT INTO survey_item(uuid, review_id, site_id, instrument, item, grp, subgroup, "
				  "cluster_id, responses, favourable, options, updated_at) "
				  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
	static const char upd[] = "UPDATE survey_item SET cluster_id = ?8, responses = ?9, favourable = ?10, "
				  "options = ?11, updated_at = ?12 WHERE id = ?13 AND (cluster_id IS NOT ?8 OR "
				  "responses IS NOT ?9 OR favourable IS NOT ?10 OR options IS NOT ?11)";
	struct survey_result g;
	sqlite3_stmt *st;
	char now[21];
	int64_t id;

	survey_check(im, &g);
	gate_row(im, SV_SITE, &(struct gate_write){ .what = GATE_DATA, .site = g.site });
	if (!row_ok(im) || (id = survey_find(im, find, g.site, (const char *const[]){ g.instrument, g.item, g.group,
			g.subgroup }, 4)) < 0)
		return im->failed;
	if (!(st = db_stmt(im->db, id ? upd : ins)))
		return QREL_DB;
	bind_target(im, st, id, 13);
	sqlite3_bind_int64(st, 3, g.site);
	db_bind_text(st, 4, g.instrument);
	db_bind_text(st, 5, g.item);
	db_bind_text(st, 6, g.group);
	db_bind_text(st, 7, g.subgroup);
	db_bind_id(st, 8, g.cluster);
	sqlite3_bind_int64(st, 9, g.responses);
	sqlite3_bind_int64(st, 10, g.favourable);
	db_bind_text(st, 11, g.options);
	clock_now(now);
	db_bind_text(st, 12, now);
	return upsert_done(im, st, id == 0);
}

enum { RT_SITE, RT_INSTRUMENT, RT_GROUP, RT_INVITED, RT_RESPONDED };
static const char *const rate_cols[] = { "site", "instrument", "group", "invited", "responded", NULL };
static const bool rate_req[] = { true, true, true, true, true };

static int
row_survey_rate(struct imp *im)
{
	static const char find[] = "SELECT id FROM survey_rate WHERE site_id = ?1 AND instrument = ?2 AND grp = ?3";
	static const char ins[] = "INSERT INTO survey_rate(uuid, review_id, site_id, instrument, grp, invited, "
				  "responded, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	static const char upd[] = "UPDATE survey_rate SET invited = ?6, responded = ?7, updated_at = ?8 "
				  "WHERE id = ?9 AND (invited IS NOT ?6 OR responded IS NOT ?7)";
	char *code = lower_dup(get(im, RT_SITE)), now[21];
	int64_t site = site_ref(im, RT_SITE), id;
	const char *instrument = need(im, RT_INSTRUMENT), *group = need(im, RT_GROUP);
	long invited = 0, responded = 0;
	bool ok = count_of(im, RT_INVITED, &invited);
	sqlite3_stmt *st;

	if (count_of(im, RT_RESPONDED, &responded) && ok && responded > invited)
		bad(im, RT_RESPONDED, get(im, RT_RESPONDED), "more than invited (%ld)", invited);
	first_in_file(im, key_join((const char *const[]){ code, instrument, group }, 3), RT_GROUP, NULL,
		"site, instrument and group");
	free(code);
	gate_row(im, RT_SITE, &(struct gate_write){ .what = GATE_DATA, .site = site });
	if (!row_ok(im) || (id = survey_find(im, find, site, (const char *const[]){ instrument, group }, 2)) < 0)
		return im->failed;
	if (!(st = db_stmt(im->db, id ? upd : ins)))
		return QREL_DB;
	bind_target(im, st, id, 9);
	sqlite3_bind_int64(st, 3, site);
	db_bind_text(st, 4, instrument);
	db_bind_text(st, 5, group);
	sqlite3_bind_int64(st, 6, invited);
	sqlite3_bind_int64(st, 7, responded);
	clock_now(now);
	db_bind_text(st, 8, now);
	return upsert_done(im, st, id == 0);
}

/* ---- the file ---- */

static const struct kind kinds[] = {
	{ "sites", site_cols, site_req, row_site },
	{ "people", person_cols, person_req, row_person },
	{ "activities", activity_cols, activity_req, row_activity },
	{ "metrics", metric_cols, metric_req, row_metric },
	{ "evidence", note_cols, note_req, row_note },
	{ "scores", score_cols, score_req, row_score },
	{ "subgroups", subgroup_cols, subgroup_req, row_subgroup },
	{ "state", state_cols, state_req, row_state },
	{ "survey", survey_cols, survey_req, row_survey },
	{ "survey-rates", rate_cols, rate_req, row_survey_rate },
};

const char *const import_kinds[] = { "sites", "people", "activities", "metrics", "evidence", "scores",
	"subgroups", "state", "survey", "survey-rates", NULL };

static int
on_row(void *ctx, const struct csv_row *r)
{
	struct imp *im = ctx;
	int rc;

	im->r = r;
	if (r->index == 0)
		return csv_columns(r, im->k->cols, im->col, im->csv.wide ? score_wide_req : im->k->required,
				   im->d, im->path);
	im->st->rows++;
	im->errors_before = im->d->n;
	rc = im->k->row(im);
	if (rc == QREL_OK)
		rc = im->failed;
	if (rc != QREL_OK)
		diag_add(im->d, im->path, r->line, "%s", error_message());
	return rc;
}

static const struct kind *
find_kind(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

/* A review that had a lead keeps one: without a lead, anyone holding the file
 * could set the review up again (gate.h). */
static int
keeps_a_lead(struct imp *im)
{
	char lead[128] = "";
	int rc;

	if (im->actor.setup || strcmp(im->k->name, "people") != 0)
		return QREL_OK;
	if ((rc = store_lead_name(im->db, im->review, lead, sizeof(lead))) == QREL_OK && *lead)
		return QREL_OK;
	return rc == QREL_OK || rc == QREL_NOTFOUND ? error(QREL_DENIED, "the review would be left without a lead") : rc;
}

/* Reads the file inside the open transaction; QREL_OK only when nothing went to d. */
static int
import_rows(struct imp *im)
{
	size_t before = im->d->n;
	int rc;

	if ((im->levels = store_levels(im->db, im->review)) <= 0)
		return im->levels < 0 ? QREL_DB : error(QREL_NOTFOUND, "review %lld not found",
			(long long)im->review);
	rc = csv_each_opts(im->file, &im->csv, on_row, im, im->d);
	if (rc == QREL_OK && im->d->n != before)
		rc = QREL_PARSE;
	if (rc == QREL_OK && (rc = keeps_a_lead(im)) != QREL_OK)
		diag_add(im->d, im->path, 0, "%s", error_message());
	if (rc != QREL_OK && im->d->n == before)
		diag_add(im->d, im->path, 0, "%s", error_message());
	if (rc != QREL_OK)
		return error(rc, "%s: %zu problem(s); nothing was imported", im->path, im->d->n - before);
	return QREL_OK;
}

/* ---- the full-text index during a bulk of notes ---- */

/* While note_fts_paused holds a row, a new note is not indexed by the trigger
 * (nor its clusters listed in note_cluster_time, schema.c):
 * the import that put the row there indexes every note after after_id in one
 * statement and deletes the row, both before its commit, so no other connection
 * ever sees it. A note indexed one statement at a time cost a flush of FTS5's
 * pending terms and a new segment per note (each statement's savepoint); one
 * statement fills the pending terms' memory before each flush. The import only
 * adds notes (never edits or deletes one it added), so the update and delete
 * triggers never meet a note not yet indexed. */
const char import_migration[] =
"CREATE TABLE note_fts_paused (after_id INTEGER NOT NULL);"
"DROP TRIGGER note_fts_insert;"
"CREATE TRIGGER note_fts_insert AFTER INSERT ON note WHEN NOT EXISTS (SELECT 1 FROM note_fts_paused) BEGIN"
"  INSERT INTO note_fts(rowid, text) VALUES (new.id, new.text);"
"END;";

/* FTS5's settings while the notes are indexed: no merging of index segments as
 * they are written (the merge after the commit does it once) and a batch of
 * pending terms in memory of a fixed size, whatever the file's: FTS5's own 1 MiB
 * (4 MiB took 7 MiB more memory, 16 MiB at its peak, and no less time for 200,000
 * notes). crisismerge 1000 keeps the segments under FTS5's limit of 2,000
 * (past it FTS5 fails with SQLITE_FULL, "the disk is full"): 200,000 notes
 * of 120 bytes made 19 segments of 1 MiB of pending terms. */
static const struct fts_setting {
	const char *name;
	long long bulk, fts5_default;
} fts_bulk[] = {
	{ "automerge", 0, 4 },
	{ "crisismerge", 1000, 16 },
	{ "hashsize", 1 << 20, 1 << 20 },
};

static int
fts_set(struct db *db, const char *name, long long value)
{
	static const char sql[] = "INSERT INTO note_fts(note_fts, rank) VALUES (?1, ?2)";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return QREL_DB;
	db_bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, value);
	return db_step_done(db, st, "configuring the full-text index");
}

static long long
fts_get(struct db *db, const char *name, long long dflt)
{
	static const char sql[] = "SELECT v FROM note_fts_config WHERE k = ?1 AND typeof(v) = 'integer'";
	sqlite3_stmt *st = db_stmt(db, sql);
	long long v = dflt;

	if (!st)
		return dflt;
	db_bind_text(st, 1, name);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

static int
fts_pause(struct db *db)
{
	static const char sql[] = "INSERT INTO note_fts_paused(after_id) SELECT coalesce(max(id), 0) FROM note";
	sqlite3_stmt *st = db_stmt(db, sql);

	return st ? db_step_done(db, st, "pausing the full-text index") : QREL_DB;
}

/* Notes indexed by one statement: a statement's memory grows with the notes it
 * indexes (under temp_store = MEMORY, likely its statement journal: 16 MiB for 200,000 notes,
 * 48 MiB for 2,000,000), so a large file is indexed in steps of this many. */
#define FTS_STEP 16384

/* Runs sql (?1 and ?2 the bounds of a range of note ids) over the notes added
 * since fts_pause, FTS_STEP ids a statement; *changed counts the rows it wrote. */
static int
each_added_step(struct db *db, const char *sql, const char *what, size_t *changed)
{
	int64_t after = db_int(db, "SELECT after_id FROM note_fts_paused"), last = db_int(db, "SELECT max(id) FROM note");
	int rc = QREL_OK;

	*changed = 0;
	for (int64_t from = after; from < last && rc == QREL_OK; from += FTS_STEP) {
		sqlite3_stmt *st = db_stmt(db, sql);

		if (!st)
			return QREL_DB;
		sqlite3_bind_int64(st, 1, from);
		sqlite3_bind_int64(st, 2, from + FTS_STEP);
		if ((rc = db_step_done(db, st, what)) == QREL_OK)
			*changed += (size_t)sqlite3_changes(db_handle(db));
	}
	return rc;
}

/* The notes added since fts_pause indexed; inserted is how many. */
static int
fts_index_added(struct db *db, size_t inserted)
{
	static const char sql[] = "INSERT INTO note_fts(rowid, text) SELECT id, text FROM note "
				  "WHERE id > ?1 AND id <= ?2";
	size_t indexed;
	int rc = each_added_step(db, sql, "indexing the notes for search", &indexed);

	/* ids run on from the largest (SQLite's max + 1): a note given another is not indexed */
	if (rc == QREL_OK && indexed != inserted)
		return error(QREL_DB, "the new notes' ids do not follow the stored ones");
	return rc;
}

/* The clusters of the notes added since fts_pause in the sites' cluster lists
 * (note_cluster_time, schema.c): a statement a step, not the trigger a row at a
 * time (100,000 notes: 5.6-7.6 s of CPU against 6.0-8.7 s, alternating runs). */
static int
cluster_lists_added(struct db *db)
{
	static const char sql[] = "INSERT OR IGNORE INTO note_cluster_time SELECT n.site_id, nc.cluster_id, "
				  "n.created_at, n.id FROM note n JOIN note_cluster nc ON nc.note_id = n.id "
				  "WHERE n.id > ?1 AND n.id <= ?2 AND n.deleted_at IS NULL";
	size_t listed;

	return each_added_step(db, sql, "listing the new notes under their clusters", &listed);
}

/* Before the commit: the added notes indexed with the bulk settings, then the
 * review's own settings back, so no other connection ever sees the bulk ones,
 * nor the pause. */
static int
fts_resume(struct db *db, size_t inserted)
{
	long long saved[ARRAY_SIZE(fts_bulk)];
	int rc = QREL_OK;

	for (size_t i = 0; i < ARRAY_SIZE(fts_bulk) && rc == QREL_OK && inserted; i++) {
		saved[i] = fts_get(db, fts_bulk[i].name, fts_bulk[i].fts5_default);
		rc = fts_set(db, fts_bulk[i].name, fts_bulk[i].bulk);
	}
	if (rc == QREL_OK && inserted)
		rc = fts_index_added(db, inserted);
	if (rc == QREL_OK && inserted)
		rc = cluster_lists_added(db);
	for (size_t i = 0; i < ARRAY_SIZE(fts_bulk) && rc == QREL_OK && inserted; i++)
		rc = fts_set(db, fts_bulk[i].name, saved[i]);
	return rc == QREL_OK ? db_exec(db, "DELETE FROM note_fts_paused") : rc;
}

/* The rows in the transaction; evidence with the full-text index paused. */
static int
import_in_transaction(struct imp *im)
{
	bool notes = strcmp(im->k->name, "evidence") == 0;
	int rc = gate_actor(im->db, im->review, im->who, &im->actor);

	im->memo.on = notes;
	if (rc == QREL_OK && notes)
		rc = fts_pause(im->db);
	if (rc == QREL_OK)
		rc = import_rows(im);
	if (rc == QREL_OK && notes)
		rc = fts_resume(im->db, im->st->inserted);
	return rc;
}

int
import_file(struct db *db, int64_t review, const char *kind, const char *path,
	    const char *who, struct diags *d, struct import_stats *st)
{
	return import_file_opts(db, review, kind, path, who, NULL, d, st);
}

/* The reader's options from ours: the mapping file is read against kind's columns. */
static int
read_opts(struct imp *im, struct csv_opts *o, struct csv_map **map)
{
	static const char *const score_keys[] = { "site", "cluster", "kind", "updated_at", NULL };
	static const struct csv_wide scores_wide = { score_keys, "rater", "level", NULL };
	const struct import_opts *io = im->opts;

	*map = NULL;
	memset(o, 0, sizeof(*o));
	if (!io)
		return QREL_OK;
	o->delimiter = io->delimiter;
	o->encoding = io->encoding;
	if (io->wide && strcmp(im->k->name, "scores") != 0)
		return error(QREL_USAGE, "--layout wide is for scores (one column per rater), not %s",
			     im->k->name);
	o->wide = io->wide ? &scores_wide : NULL;
	if (io->mapping && !(*map = csv_map_load(io->mapping, im->k->cols, im->d)))
		return im->d->n ? QREL_PARSE : QREL_NOMEM;
	o->map = *map;
	return QREL_OK;
}

int
import_file_opts(struct db *db, int64_t review, const char *kind, const char *path, const char *who,
		 const struct import_opts *opts, struct diags *d, struct import_stats *st)
{
	struct imp im = { .db = db, .review = review, .k = find_kind(kind), .d = d, .st = st, .opts = opts,
			  .file = path, .path = csv_source_name(path), .who = who ? who : "qrel import" };
	size_t len = strlen(path) + sizeof("imported from ");
	struct csv_map *map;
	int rc;

	memset(st, 0, sizeof(*st));
	if (!im.k)
		return error(QREL_USAGE, "unknown kind '%s' (sites, people, activities, metrics, "
			"evidence, scores, subgroups, state, survey or survey-rates)", kind);
	if ((rc = read_opts(&im, &im.csv, &map)) != QREL_OK)
		return rc;
	if (!(im.reason = malloc(len))) {
		csv_map_free(map);
		return error(QREL_NOMEM, "out of memory");
	}
	snprintf(im.reason, len, "imported from %s", path);
	/* Statement journals in memory, not in a temporary file written page by page
	 * (each is one statement's pages), and a page cache that holds the indexes a
	 * large file touches at random (uuids): both fixed sizes, whatever the file's.
	 * 48 MiB holds the four uuid-keyed indexes of 200,000 new notes (about 40
	 * MiB): 32 MiB wrote and read back 50,000 more pages. */
	db_exec(db, "PRAGMA temp_store = MEMORY; PRAGMA cache_size = -49152");
	if ((rc = db_begin(db)) == QREL_OK) {
		if ((rc = import_in_transaction(&im)) == QREL_OK)
			rc = db_commit(db);
		else
			db_rollback(db);
	}
	/* Many notes at once leave the full-text index in many small segments,
	 * which slows every search; merge them (a failure only costs speed). */
	if (rc == QREL_OK && strcmp(im.k->name, "evidence") == 0 && st->inserted >= 1000)
		db_exec(db, "INSERT INTO note_fts(note_fts) VALUES ('optimize')");
	if (rc != QREL_OK)
		memset(st, 0, sizeof(*st));
	keyset_free(&im.keys);
	csv_map_free(map);
	if (im.added.lines)
		fclose(im.added.lines);
	keyset_free(&im.memo.ks);
	free(im.memo.v);
	free(im.reason);
	return rc;
}
