/* survey_import.c: `qrel import survey` and `qrel import survey-rates`: checks
 * each row, asks the gate, upserts, all in one transaction. */
#include "qrel/qrel.h"
#include "qrel/csv.h"
#include "qrel/db.h"
#include "qrel/diag.h"
#include "qrel/gate.h"
#include "qrel/import.h"
#include "qrel/store.h"
#include "qrel/survey.h"
#include "qrel/util.h"

#include <ctype.h>
#include <math.h>

enum { SV_SITE, SV_INSTRUMENT, SV_ITEM, SV_CLUSTER, SV_GROUP, SV_SUBGROUP, SV_RESPONSES, SV_FAVOURABLE,
	SV_OPTIONS, SV_COLS };
static const char *const survey_cols[] = { "site", "instrument", "item", "cluster", "group", "subgroup",
	"responses", "favourable", "options", NULL };
static const bool survey_req[] = { true, true, true, false, true, false, false, false, false };

enum { RT_SITE, RT_INSTRUMENT, RT_GROUP, RT_INVITED, RT_RESPONDED, RT_COLS };
static const char *const rate_cols[] = { "site", "instrument", "group", "invited", "responded", NULL };
static const bool rate_req[] = { true, true, true, true, true };

struct simp {
	struct db *db;
	int64_t review;
	bool rates;
	const char *path;		/* as messages show it */
	const char *const *cols;
	struct gate_actor actor;
	struct diags *d;
	struct import_stats *st;
	int col[SV_COLS];
	const struct csv_row *r;
	size_t before;			/* d->n when the row began */
	char **keys;			/* natural keys seen, "line\tkey" */
	size_t nkeys;
	int failed;
};

bool
survey_kind(const char *kind)
{
	return strcmp(kind, "survey") == 0 || strcmp(kind, "survey-rates") == 0;
}

static const char *
get(struct simp *im, int c)
{
	return im->col[c] < 0 ? "" : str_trim(im->r->field[im->col[c]]);
}

static void
bad(struct simp *im, int c, const char *value, const char *what)
{
	if (value && *value)
		diag_add(im->d, im->path, im->r->line, "column %s: %s ('%.60s')", im->cols[c], what, value);
	else
		diag_add(im->d, im->path, im->r->line, "column %s: %s", im->cols[c], what);
}

static bool
row_ok(const struct simp *im)
{
	return !im->failed && im->d->n == im->before;
}

static const char *
need(struct simp *im, int c)
{
	const char *v = get(im, c);

	if (!*v)
		bad(im, c, NULL, "must not be empty");
	return v;
}

static bool
count_of(struct simp *im, int c, long *out)
{
	const char *v = need(im, c);

	if (!*v)
		return false;
	if (!str_to_long(v, out) || *out < 0) {
		bad(im, c, v, "not a whole number of at least 0");
		return false;
	}
	return true;
}

static int64_t
site_of(struct simp *im, int c)
{
	const char *v = need(im, c);
	int64_t id;

	if (!*v)
		return 0;
	if ((id = store_site_id(im->db, im->review, v)) < 0)
		im->failed = QREL_DB;
	else if (!id)
		bad(im, c, v, "unknown site");
	return id > 0 ? id : 0;
}

/* A repeated natural key in the file names the line it first came on. */
static void
first_in_file(struct simp *im, const char *const *parts, size_t n)
{
	char key[1024] = "", *saved, **grown;
	size_t used = 0;

	for (size_t i = 0; i < n && used < sizeof(key); i++)
		used += (size_t)snprintf(key + used, sizeof(key) - used, "%s\x1f", parts[i]);
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (size_t i = 0; i < im->nkeys; i++) {
		if (strcmp(strchr(im->keys[i], '\t') + 1, key) == 0) {
			diag_add(im->d, im->path, im->r->line, "the same row as line %d",
				 atoi(im->keys[i]));
			return;
		}
	}
	if (!(grown = realloc(im->keys, (im->nkeys + 1) * sizeof(*grown))) ||
	    !(saved = malloc(strlen(key) + 16))) {
		if (grown)
			im->keys = grown;
		im->failed = error(QREL_NOMEM, "out of memory");
		return;
	}
	im->keys = grown;
	sprintf(saved, "%d\t%s", im->r->line, key);
	im->keys[im->nkeys++] = saved;
}

static void
gate_row(struct simp *im, int64_t site)
{
	int rc;

	if (!row_ok(im))
		return;
	rc = gate_check(im->db, im->review, &im->actor, &(struct gate_write){ .what = GATE_DATA, .site = site });
	if (rc == QREL_DB)
		im->failed = rc;
	else if (rc != QREL_OK)
		bad(im, 0, get(im, 0), error_message());
}

/* Runs the upsert and counts what it did (found: the row existed). */
static int
upsert(struct simp *im, sqlite3_stmt *st, bool found)
{
	int rc = db_step_done(im->db, st, im->rates ? "survey-rates" : "survey");

	if (rc != QREL_OK)
		return im->failed = rc;
	if (!found)
		im->st->inserted++;
	else if (sqlite3_changes(db_handle(im->db)) > 0)
		im->st->updated++;
	else
		im->st->unchanged++;
	return QREL_OK;
}

/* ---- results ---- */

struct item {
	int64_t site, cluster;
	const char *instrument, *item, *group, *subgroup, *options;
	long responses, favourable;
};

static double
percent_of(struct simp *im, const char *v)
{
	char *end;
	double pct = strtod(v, &end);

	while (isspace((unsigned char)*end))
		end++;
	if (*end == '%')
		end++;
	if (end == v || *end || !(pct >= 0 && pct <= 100)) {
		bad(im, SV_FAVOURABLE, v, "not a percentage from 0 to 100");
		return -1;
	}
	return pct;
}

/* responses and favourable from the responses, favourable and options columns. */
static void
item_counts(struct simp *im, struct item *it)
{
	const char *fav = get(im, SV_FAVOURABLE), *resp = get(im, SV_RESPONSES);
	char why[128];
	long sum = 0, plus = 0;
	double pct;

	it->options = get(im, SV_OPTIONS);
	if (*it->options && !survey_parse_options(it->options, &sum, &plus, why, sizeof(why)))
		bad(im, SV_OPTIONS, it->options, why);
	if (!*resp && *it->options)
		it->responses = sum;
	else if (count_of(im, SV_RESPONSES, &it->responses) && *it->options && sum != it->responses)
		bad(im, SV_RESPONSES, resp, "differs from the sum of the options");
	if (*fav && (pct = percent_of(im, fav)) >= 0)
		it->favourable = survey_favourable_of_pct(pct, it->responses);
	else if (!*fav && *it->options)
		it->favourable = plus;
	else if (!*fav)
		bad(im, SV_FAVOURABLE, NULL, "give a percentage or the options' counts");
}

static void
item_check(struct simp *im, struct item *it)
{
	const char *cluster = get(im, SV_CLUSTER);

	memset(it, 0, sizeof(*it));
	it->site = site_of(im, SV_SITE);
	it->instrument = need(im, SV_INSTRUMENT);
	it->item = need(im, SV_ITEM);
	it->group = need(im, SV_GROUP);
	it->subgroup = get(im, SV_SUBGROUP);
	if (*cluster && (it->cluster = store_cluster_id(im->db, im->review, cluster)) <= 0) {
		if (it->cluster < 0)
			im->failed = QREL_DB;
		else
			bad(im, SV_CLUSTER, cluster, "unknown cluster");
	}
	item_counts(im, it);
	first_in_file(im, (const char *const[]){ get(im, SV_SITE), it->instrument, it->item, it->group,
		it->subgroup }, 5);
}

static int64_t
find_id(struct simp *im, const char *sql, const char *const *text, size_t n, int64_t site)
{
	sqlite3_stmt *st = db_stmt(im->db, sql);
	int64_t id = 0;
	int rc;

	if (!st)
		return im->failed = QREL_DB, -1;
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
row_item(struct simp *im)
{
	static const char find[] = "SELECT id FROM survey_item WHERE site_id = ?1 AND instrument = ?2 AND "
				   "item = ?3 AND grp = ?4 AND subgroup = ?5";
	static const char sql[] = "INSERT INTO survey_item(uuid, review_id, site_id, instrument, item, grp, "
		"subgroup, cluster_id, responses, favourable, options, updated_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
		"ON CONFLICT (site_id, instrument, item, grp, subgroup) DO UPDATE SET cluster_id = ?8, "
		"responses = ?9, favourable = ?10, options = ?11, updated_at = ?12 WHERE cluster_id IS NOT ?8 "
		"OR responses IS NOT ?9 OR favourable IS NOT ?10 OR options IS NOT ?11";
	char uuid[UUID_LEN + 1], now[21];
	struct item it;
	sqlite3_stmt *st;
	int64_t id;

	item_check(im, &it);
	if (it.favourable > it.responses)
		bad(im, SV_OPTIONS, NULL, "more favourable answers than responses");
	gate_row(im, it.site);
	if (!row_ok(im) ||
	    (id = find_id(im, find, (const char *const[]){ it.instrument, it.item, it.group, it.subgroup }, 4,
			  it.site)) < 0)
		return im->failed;
	if (!(st = db_stmt(im->db, sql)))
		return QREL_DB;
	uuid_new(uuid);
	clock_now(now);
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, im->review);
	sqlite3_bind_int64(st, 3, it.site);
	db_bind_text(st, 4, it.instrument);
	db_bind_text(st, 5, it.item);
	db_bind_text(st, 6, it.group);
	db_bind_text(st, 7, it.subgroup);
	if (it.cluster > 0)
		sqlite3_bind_int64(st, 8, it.cluster);
	sqlite3_bind_int64(st, 9, it.responses);
	sqlite3_bind_int64(st, 10, it.favourable);
	db_bind_text(st, 11, it.options);
	db_bind_text(st, 12, now);
	return upsert(im, st, id > 0);
}

/* ---- response rates ---- */

static int
row_rate(struct simp *im)
{
	static const char find[] = "SELECT id FROM survey_rate WHERE site_id = ?1 AND instrument = ?2 AND grp = ?3";
	static const char sql[] = "INSERT INTO survey_rate(uuid, review_id, site_id, instrument, grp, invited, "
		"responded, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
		"ON CONFLICT (site_id, instrument, grp) DO UPDATE SET invited = ?6, responded = ?7, "
		"updated_at = ?8 WHERE invited IS NOT ?6 OR responded IS NOT ?7";
	int64_t site = site_of(im, RT_SITE), id;
	const char *instrument = need(im, RT_INSTRUMENT), *group = need(im, RT_GROUP);
	char uuid[UUID_LEN + 1], now[21];
	long invited = 0, responded = 0;
	bool ok = count_of(im, RT_INVITED, &invited);
	sqlite3_stmt *st;

	if (count_of(im, RT_RESPONDED, &responded) && ok && responded > invited)
		bad(im, RT_RESPONDED, get(im, RT_RESPONDED), "more than invited");
	first_in_file(im, (const char *const[]){ get(im, RT_SITE), instrument, group }, 3);
	gate_row(im, site);
	if (!row_ok(im) || (id = find_id(im, find, (const char *const[]){ instrument, group }, 2, site)) < 0)
		return im->failed;
	if (!(st = db_stmt(im->db, sql)))
		return QREL_DB;
	uuid_new(uuid);
	clock_now(now);
	db_bind_text(st, 1, uuid);
	sqlite3_bind_int64(st, 2, im->review);
	sqlite3_bind_int64(st, 3, site);
	db_bind_text(st, 4, instrument);
	db_bind_text(st, 5, group);
	sqlite3_bind_int64(st, 6, invited);
	sqlite3_bind_int64(st, 7, responded);
	db_bind_text(st, 8, now);
	return upsert(im, st, id > 0);
}

/* ---- the file ---- */

static int
on_row(void *ctx, const struct csv_row *r)
{
	struct simp *im = ctx;
	int rc;

	im->r = r;
	if (r->index == 0)
		return csv_columns(r, im->cols, im->col, im->rates ? rate_req : survey_req, im->d, im->path);
	im->st->rows++;
	im->before = im->d->n;
	rc = im->rates ? row_rate(im) : row_item(im);
	if (rc != QREL_OK)
		diag_add(im->d, im->path, r->line, "%s", error_message());
	return rc;
}

static int
import_rows(struct simp *im, const char *file)
{
	size_t before = im->d->n;
	int rc = csv_each(file, on_row, im, im->d);

	if (rc == QREL_OK && im->d->n != before)
		rc = QREL_PARSE;
	if (rc != QREL_OK && im->d->n == before)
		diag_add(im->d, im->path, 0, "%s", error_message());
	return rc;
}

int
survey_import(struct db *db, int64_t review, const char *kind, const char *path, const char *who,
	      struct diags *d, struct import_stats *st)
{
	struct simp im = { .db = db, .review = review, .rates = strcmp(kind, "survey-rates") == 0,
			   .path = csv_source_name(path), .d = d, .st = st };
	int rc;

	im.cols = im.rates ? rate_cols : survey_cols;
	memset(st, 0, sizeof(*st));
	if ((rc = db_begin(db)) == QREL_OK) {
		if ((rc = gate_actor(db, review, who, &im.actor)) == QREL_OK && (rc = import_rows(&im, path)) == QREL_OK)
			rc = db_commit(db);
		else
			db_rollback(db);
	}
	if (rc != QREL_OK)
		memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < im.nkeys; i++)
		free(im.keys[i]);
	free(im.keys);
	return rc;
}
