/* search.c: full-text search of evidence notes: what a user types made an FTS5 query,
 * and the matches ranked by bm25 (among the newest, or all) in keyset pages. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/evidence.h"
#include "qrel/evidence_sql.h"
#include "qrel/search.h"
#include "qrel/util.h"

#include <ctype.h>

/* ---- full-text queries ---- */

struct fts_out {
	char *buf;
	size_t size, used;
	bool overflow;
};

static void
fts_put(struct fts_out *o, const char *s, size_t n)
{
	if (o->used + n + 1 > o->size) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->used, s, n);
	o->used += n;
	o->buf[o->used] = '\0';
}

/* Letters, digits and anything beyond ASCII can make a token; punctuation cannot. */
static bool
has_token(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isalnum((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

/* One term as an FTS5 string: "..." with inner quotes doubled, then " *" for a prefix. */
static void
fts_term(struct fts_out *o, const char *s, size_t n, bool prefix)
{
	if (!has_token(s, n))
		return;
	if (o->used)
		fts_put(o, " ", 1);
	fts_put(o, "\"", 1);
	for (size_t i = 0; i < n; i++)
		fts_put(o, s[i] == '"' ? "\"\"" : s + i, 1 + (s[i] == '"'));
	fts_put(o, prefix ? "\" *" : "\"", prefix ? 3 : 1);
}

/* A "phrase": up to the closing quote (or the end); a * right after it makes a prefix. */
static const char *
fts_phrase(struct fts_out *o, const char *p)
{
	const char *end = strchr(p + 1, '"');
	size_t n = end ? (size_t)(end - p - 1) : strlen(p + 1);
	bool prefix = end && end[1] == '*';

	fts_term(o, p + 1, n, prefix);
	if (!end)
		return p + 1 + n;
	return end + 1 + prefix;
}

static const char *
fts_word(struct fts_out *o, const char *p)
{
	size_t n = 0;
	bool prefix;

	while (p[n] && !isspace((unsigned char)p[n]))
		n++;
	prefix = n > 1 && p[n - 1] == '*';
	while (n > 0 && p[n - 1] == '*')
		n--;
	fts_term(o, p, n, prefix);
	while (*p && !isspace((unsigned char)*p))
		p++;
	return p;
}

bool
search_fts_query(const char *input, char *out, size_t size)
{
	struct fts_out o = { out, size, 0, false };
	const char *p = input ? input : "";

	if (size)
		out[0] = '\0';
	while (*p) {
		if (isspace((unsigned char)*p))
			p++;
		else if (*p == '"')
			p = fts_phrase(&o, p);
		else
			p = fts_word(&o, p);
	}
	return o.used > 0 && !o.overflow;
}

/* ---- ranking among the newest matches ---- */

struct ranked {
	int64_t id;
	double score;
};

/* The last ranking, reused while the store and the filter stay the same: paging through
 * the results then reads only the notes shown. */
static struct {
	struct db *db;
	unsigned long generation;
	int64_t review;
	struct evidence_filter f;
	struct ranked *r;
	int n;
	bool full;		/* the window was filled: there may be older matches */
	bool valid;
} rk;

static int
cmp_ranked(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	if (a->score != b->score)
		return a->score < b->score ? -1 : 1;
	return (a->id > b->id) - (a->id < b->id);
}

/* The ids of the newest window matches the filter lets through, into rk.r. */
static int
newest_matches(struct db *db, int64_t review, const struct evidence_filter *f, const char *q, int window)
{
	unsigned mask = evidence_sql_mask(f);
	/* A site or an activity has few notes: read them through their index and ask the
	 * full-text index about each. Otherwise walk the matches from the newest. */
	sqlite3_stmt *st = evidence_sql_stmt(db, mask & (F_SITE | F_ACTIVITY) ? Q_NEWEST_BY_NOTE : Q_NEWEST_BY_FTS, mask);
	int rc;

	if (!st)
		return QREL_DB;
	evidence_sql_bind(st, review, f);
	sqlite3_bind_int(st, 15, window);
	db_bind_text(st, 16, q);
	while (rk.n < window && (rc = sqlite3_step(st)) == SQLITE_ROW)
		rk.r[rk.n++].id = sqlite3_column_int64(st, 0);
	rc = rk.n == window || rc == SQLITE_DONE ? QREL_OK : db_fail(db, "searching notes");
	sqlite3_reset(st);
	rk.full = rk.n == window;
	return rc;
}

static int
cmp_id(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	return (a->id > b->id) - (a->id < b->id);
}

/* One pass of the full-text index over the candidates' id range scores them (bm25 runs
 * only for the candidates: the + keeps the IN list from being handed to FTS5 id by id). */
static int
score_matches(struct db *db, const char *q)
{
	static const char sql[] = "SELECT rowid, bm25(note_fts) FROM note_fts WHERE note_fts MATCH ?1 "
				  "AND rowid >= ?2 AND rowid <= ?3 AND +rowid IN (SELECT value FROM json_each(?4))";
	sqlite3_stmt *st;
	char *ids = malloc((size_t)rk.n * 21 + 3);
	size_t used = 0;
	int rc;

	if (!ids)
		return error(QREL_NOMEM, "out of memory");
	qsort(rk.r, (size_t)rk.n, sizeof(*rk.r), cmp_id);
	ids[used++] = '[';
	for (int i = 0; i < rk.n; i++)
		used += (size_t)sprintf(ids + used, "%s%lld", i ? "," : "", (long long)rk.r[i].id);
	strcpy(ids + used, "]");
	if (!(st = db_stmt(db, sql))) {
		free(ids);
		return QREL_DB;
	}
	db_bind_text(st, 1, q);
	sqlite3_bind_int64(st, 2, rk.r[0].id);
	sqlite3_bind_int64(st, 3, rk.r[rk.n - 1].id);
	sqlite3_bind_text(st, 4, ids, (int)(used + 1), free);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ranked key = { sqlite3_column_int64(st, 0), 0 }, *r;

		if ((r = bsearch(&key, rk.r, (size_t)rk.n, sizeof(*rk.r), cmp_id)))
			r->score = sqlite3_column_double(st, 1);
	}
	rc = rc == SQLITE_DONE ? QREL_OK : db_fail(db, "ranking notes");
	sqlite3_reset(st);
	if (rc == QREL_OK)
		qsort(rk.r, (size_t)rk.n, sizeof(*rk.r), cmp_ranked);
	return rc;
}

static int
rank_newest(struct db *db, int64_t review, const struct evidence_filter *f, const char *q)
{
	unsigned long gen = db_generation(db);
	int window = f->rank_window, rc;

	if (rk.valid && rk.db == db && rk.generation == gen && rk.review == review && memcmp(&rk.f, f, sizeof(*f)) == 0)
		return QREL_OK;
	rk.valid = false;
	rk.n = 0;
	free(rk.r);
	if (!(rk.r = calloc((size_t)window, sizeof(*rk.r))))
		return error(QREL_NOMEM, "out of memory");
	if ((rc = newest_matches(db, review, f, q, window)) != QREL_OK ||
	    (rk.n > 0 && (rc = score_matches(db, q)) != QREL_OK))
		return rc;
	if (!evidence_sql_cache_ok(db))
		return QREL_OK;	/* not cached */
	rk.db = db;
	rk.generation = gen;
	rk.review = review;
	rk.f = *f;
	rk.valid = true;
	return QREL_OK;
}

/* One ranked note with its highlights. */
static int
read_ranked(struct db *db, int64_t review, const char *q, const struct ranked *r, struct evidence_note *out)
{
	static const char sql[] = "SELECT " NOTE_COLS ", ?3, (SELECT highlight(note_fts, 0, char(1), char(2)) "
				  "FROM note_fts WHERE note_fts MATCH ?2 AND rowid = ?1) FROM " NOTE_FROM
				  " WHERE n.id = ?1 AND n.review_id = ?4";
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, r->id);
	db_bind_text(st, 2, q);
	sqlite3_bind_double(st, 3, r->score);
	sqlite3_bind_int64(st, 4, review);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		evidence_sql_read(st, out);
	rc = rc == SQLITE_ROW ? QREL_OK : rc == SQLITE_DONE ? QREL_NOTFOUND : db_fail(db, "reading a note");
	sqlite3_reset(st);
	return rc;
}

static int
page_ranked(struct db *db, int64_t review, const struct evidence_filter *f, const char *q,
	    const struct evidence_cursor *cur, int limit, struct evidence_note *out, int *n)
{
	int lo = 0, hi, rc;

	if ((rc = rank_newest(db, review, f, q)) != QREL_OK)
		return rc;
	/* The first entry after the cursor. */
	for (hi = rk.n; cur && cur->set && lo < hi;) {
		int mid = (lo + hi) / 2;
		const struct ranked *m = &rk.r[mid];

		if (m->score < cur->rank || (m->score == cur->rank && m->id <= cur->id))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int i = lo; i < rk.n && *n < limit && rc == QREL_OK; i++)
		if ((rc = read_ranked(db, review, q, &rk.r[i], &out[*n])) == QREL_OK)
			(*n)++;
		else if (rc == QREL_NOTFOUND)
			rc = QREL_OK;	/* gone meanwhile */
	if (rc != QREL_OK) {
		evidence_notes_free(out, *n);
		*n = 0;
	}
	return rc;
}

/* Searching: what the ranking found; when it filled its window, the index's count of
 * matches if nothing else filters (cheap), else "at least the window". */
static int
count_ranked(struct db *db, int64_t review, const struct evidence_filter *f, const char *q,
	     struct evidence_total *t)
{
	static const char sql[] = "SELECT count(*) FROM note_fts WHERE note_fts MATCH ?1";
	sqlite3_stmt *st;
	int rc;

	if ((rc = rank_newest(db, review, f, q)) != QREL_OK)
		return rc;
	t->count = rk.n;
	if (!rk.full)
		return QREL_OK;
	t->ranked = rk.n;
	t->more = true;
	if (evidence_sql_mask(f) != 0 || !(st = db_stmt(db, sql)))
		return QREL_OK;
	db_bind_text(st, 1, q);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > rk.n) {
		t->count = sqlite3_column_int64(st, 0);
		t->more = false;
	}
	sqlite3_reset(st);
	return QREL_OK;
}

int
search_page(struct db *db, int64_t review, const struct evidence_filter *f, const struct evidence_cursor *cur,
	    int limit, struct evidence_note *out, int *n)
{
	char q[EVIDENCE_QUERY_MAX * 2];
	bool after = cur && cur->set;
	sqlite3_stmt *st;

	*n = 0;
	if (!search_fts_query(f->query, q, sizeof(q)))
		return error(QREL_PARSE, "nothing to search for in '%s'", f->query);
	if (f->rank_window > 0)
		return page_ranked(db, review, f, q, cur, limit, out, n);
	if (!(st = evidence_sql_stmt(db, Q_RANK_ALL, evidence_sql_mask(f) | (after ? F_CURSOR : 0u))))
		return QREL_DB;
	evidence_sql_bind(st, review, f);
	if (after)
		evidence_sql_cursor(st, cur, true);
	sqlite3_bind_int(st, 15, limit);
	db_bind_text(st, 16, q);
	return evidence_sql_rows(db, st, limit, out, n);
}

int
search_total(struct db *db, int64_t review, const struct evidence_filter *f, struct evidence_total *t)
{
	char q[EVIDENCE_QUERY_MAX * 2];

	if (!search_fts_query(f->query, q, sizeof(q)))
		return error(QREL_PARSE, "nothing to search for in '%s'", f->query);
	if (f->rank_window > 0)
		return count_ranked(db, review, f, q, t);
	return (t->count = evidence_count(db, review, f)) < 0 ? QREL_DB : QREL_OK;
}

void
search_forget(struct db *db)
{
	if (rk.db == db)
		rk.valid = false;
}
