/* search.c: full-text search of evidence notes: what a user types made an FTS5 query,
 * and every match in keyset pages, the latest added first or ranked by bm25. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/evidence.h"
#include "qrel/evidence_sql.h"
#include "qrel/search.h"
#include "qrel/util.h"

#include <ctype.h>
#include <math.h>

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

/* ---- ranking every match by bm25 ---- */

/* The score is FTS5's bm25 (fts5_aux.c: k1 1.2, b 0.75, the same arithmetic, so the same
 * numbers as bm25()), computed here so that a match that cannot make the page is turned
 * away before its length is read: its length is at least the end of its last match, and
 * a shorter note scores better, so that bound is the best it can score. When the
 * full-text index drives, only the notes that could make the page are read to check the
 * filters; the page is the best limit of them, kept in a heap. Nothing is kept between
 * pages: a page after a cursor passes over the matches again. */
#define BM25_K1 1.2
#define BM25_B 0.75

struct ranked {
	int64_t id;
	double score;		/* bm25 (deferred: without the weight); lower is better */
};

/* What qrel_rank knows while one page is read (bound as ?19). */
struct rank_state {
	double *idf, *freq;	/* a phrase's weight, and its count in the current row */
	int nphrase;
	double avgdl;		/* tokens per note */
	sqlite3_int64 nrow;	/* notes in the index */
	sqlite3_int64 calls;	/* rows qrel_rank saw */
	bool ready;
	/* One phrase: its weight only scales the score, so it is left out while ranking
	 * (1.0) and put in at the end, from the count of the rows seen: that count saves a
	 * pass over the phrase's rows, which bm25() makes first. */
	bool deferred;
	const struct ranked *after;	/* the page starts after it; NULL: at the best */
	struct ranked *heap;	/* the best n (<= limit) rows so far, the worst on top */
	int n, limit;
	struct ranked last;	/* the row qrel_rank let through last */
};

/* Does a come before b? Best score first, then the newest note. */
static bool
before(const struct ranked *a, const struct ranked *b)
{
	return a->score < b->score || (a->score == b->score && a->id > b->id);
}

static void
swap_ranked(struct ranked *a, struct ranked *b)
{
	struct ranked t = *a;

	*a = *b;
	*b = t;
}

static void
heap_down(struct ranked *h, int n, int i)
{
	for (;;) {
		int w = i, l = 2 * i + 1, r = l + 1;

		if (l < n && before(&h[w], &h[l]))
			w = l;
		if (r < n && before(&h[w], &h[r]))
			w = r;
		if (w == i)
			return;
		swap_ranked(&h[i], &h[w]);
		i = w;
	}
}

static void
keep(struct rank_state *s, const struct ranked *r)
{
	int i = s->n;

	if (s->n == s->limit) {
		s->heap[0] = *r;
		heap_down(s->heap, s->n, 0);
		return;
	}
	s->heap[s->n++] = *r;
	for (; i > 0 && before(&s->heap[(i - 1) / 2], &s->heap[i]); i = (i - 1) / 2)
		swap_ranked(&s->heap[i], &s->heap[(i - 1) / 2]);
}

static double
idf_of(sqlite3_int64 nrow, sqlite3_int64 nhit)
{
	double idf = log((nrow - nhit + 0.5) / (nhit + 0.5));

	return idf <= 0.0 ? 1e-6 : idf;
}

static int
count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *count)
{
	UNUSED(api);
	UNUSED(fts);
	(*(sqlite3_int64 *)count)++;
	return SQLITE_OK;
}

/* Once a query, as bm25 does: each phrase's idf, and the mean length. */
static int
rank_prepare(const Fts5ExtensionApi *api, Fts5Context *fts, struct rank_state *s)
{
	sqlite3_int64 nrow = 0, ntok = 0;
	int rc;

	s->nphrase = api->xPhraseCount(fts);
	s->deferred = s->nphrase == 1;
	s->idf = calloc((size_t)s->nphrase + 1, sizeof(double));
	s->freq = calloc((size_t)s->nphrase + 1, sizeof(double));
	if (!s->idf || !s->freq)
		return SQLITE_NOMEM;
	if ((rc = api->xRowCount(fts, &nrow)) != SQLITE_OK || (rc = api->xColumnTotalSize(fts, -1, &ntok)) != SQLITE_OK)
		return rc;
	s->avgdl = (double)ntok / (double)nrow;
	s->nrow = nrow;
	s->idf[0] = 1.0;
	for (int i = 0; i < s->nphrase && !s->deferred; i++) {
		sqlite3_int64 nhit = 0;

		if ((rc = api->xQueryPhrase(fts, i, &nhit, count_row)) != SQLITE_OK)
			return rc;
		s->idf[i] = idf_of(nrow, nhit);
	}
	s->ready = true;
	return SQLITE_OK;
}

/* bm25 of a row of length d with the counts in s->freq. */
static double
bm25_of(const struct rank_state *s, double d)
{
	const double k1 = BM25_K1, b = BM25_B;
	double score = 0.0;

	for (int i = 0; i < s->nphrase; i++)
		score += s->idf[i] * ((s->freq[i] * (k1 + 1.0)) / (s->freq[i] + k1 * (1 - b + b * d / s->avgdl)));
	return -1.0 * score;
}

/* The phrases' counts in the row (phrase by phrase, which spares FTS5 merging them into
 * one list of instances); the row's length is at least the returned end of its last
 * match. */
static int
count_phrases(const Fts5ExtensionApi *api, Fts5Context *fts, struct rank_state *s, int *end, int *rc)
{
	*end = 1;
	for (int ip = 0; ip < s->nphrase; ip++) {
		Fts5PhraseIter it;
		int ic, io, size = api->xPhraseSize(fts, ip);

		s->freq[ip] = 0.0;
		if ((*rc = api->xPhraseFirst(fts, ip, &it, &ic, &io)) != SQLITE_OK)
			return *rc;
		for (; ic >= 0; api->xPhraseNext(fts, &it, &ic, &io)) {
			s->freq[ip] += 1.0;
			if (io + size > *end)
				*end = io + size;
		}
	}
	return SQLITE_OK;
}

/* qrel_rank(note_fts, state): 1 when the row may make the page (its score is then in
 * state->last), 0 when it cannot. */
static void
qrel_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct rank_state *s = argc == 1 ? sqlite3_value_pointer(argv[0], "qrel_rank_state") : NULL;
	struct ranked r;
	int rc = SQLITE_OK, end, ntok;

	if (!s) {
		sqlite3_result_error(ctx, "qrel_rank: no ranking state", -1);
		return;
	}
	if ((!s->ready && (rc = rank_prepare(api, fts, s)) != SQLITE_OK) || count_phrases(api, fts, s, &end, &rc)) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	s->calls++;
	r.id = api->xRowid(fts);
	r.score = bm25_of(s, end);	/* the best it can score */
	if (s->n == s->limit && r.score > s->heap[0].score) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	if ((rc = api->xColumnSize(fts, -1, &ntok)) != SQLITE_OK) {
		sqlite3_result_error_code(ctx, rc);
		return;
	}
	r.score = bm25_of(s, ntok);
	if ((s->after && !before(s->after, &r)) || (s->n == s->limit && !before(&r, &s->heap[0]))) {
		sqlite3_result_int(ctx, 0);
		return;
	}
	s->last = r;
	sqlite3_result_int(ctx, 1);
}

static struct db *ranking_db;	/* the connection qrel_rank is known to */

/* Registers qrel_rank with FTS5 (once a connection, while evidence.c watches it close). */
static int
rank_function(struct db *db)
{
	bool watched = evidence_sql_cache_ok(db);
	fts5_api *api = NULL;
	sqlite3_stmt *st;

	if (watched && ranking_db == db)
		return QREL_OK;
	if (sqlite3_prepare_v2(db_handle(db), "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "finding FTS5");
	sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (!api || api->iVersion < 2 || api->xCreateFunction(api, "qrel_rank", NULL, qrel_rank, NULL) != SQLITE_OK)
		return error(QREL_DB, "searching needs SQLite's FTS5");
	ranking_db = watched ? db : NULL;
	return QREL_OK;
}

/* The deferred weight of the one phrase: its rows were all seen, unless the note index
 * drove (a site's notes), when the full-text index counts them. */
static int
phrase_weight(struct db *db, unsigned mask, const char *q, struct rank_state *s)
{
	static const char sql[] = "SELECT count(*) FROM note_fts WHERE note_fts MATCH ?1";
	sqlite3_int64 nhit = s->calls;
	sqlite3_stmt *st;

	if (mask & Q_RANK_BY_NOTE) {
		if (!(st = db_stmt(db, sql)))
			return QREL_DB;
		db_bind_text(st, 1, q);
		if (sqlite3_step(st) == SQLITE_ROW)
			nhit = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	s->idf[0] = idf_of(s->nrow, nhit);
	return QREL_OK;
}

/* A row's bm25 from what it was ranked by (with the weight, as bm25() adds it up). */
static double
score_of(const struct rank_state *s, double key)
{
	return s->deferred ? -1.0 * (0.0 + s->idf[0] * -key) : key;
}

static int
cmp_ranked(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;

	return before(a, b) ? -1 : before(b, a) ? 1 : 0;
}

/* The best limit matches after cur (filters and scope applied), into heap, best first. */
static int
rank_page(struct db *db, int64_t review, const struct evidence_filter *f, const char *q,
	  const struct evidence_cursor *cur, struct rank_state *s)
{
	struct ranked after = { cur ? cur->id : 0, cur ? cur->rank : 0.0 };
	sqlite3_stmt *st;
	int rc;

	s->after = cur && cur->set ? &after : NULL;
	if ((rc = rank_function(db)) != QREL_OK)
		return rc;
	if (!(st = evidence_sql_stmt(db, Q_RANK, evidence_sql_mask(f))))
		return QREL_DB;
	evidence_sql_bind(st, review, f);
	db_bind_text(st, 16, q);
	sqlite3_bind_pointer(st, 19, s, "qrel_rank_state", NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (sqlite3_column_int64(st, 0) == s->last.id)
			keep(s, &s->last);
	rc = rc == SQLITE_DONE ? QREL_OK : db_fail(db, "ranking notes");
	sqlite3_reset(st);
	sqlite3_bind_null(st, 19);
	qsort(s->heap, (size_t)s->n, sizeof(*s->heap), cmp_ranked);
	if (rc == QREL_OK && s->deferred)
		rc = phrase_weight(db, evidence_sql_mask(f), q, s);
	return rc;
}

/* One ranked note with its highlights. */
static int
read_ranked(struct db *db, int64_t review, const char *q, const struct ranked *r, double score,
	    struct evidence_note *out)
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
	sqlite3_bind_double(st, 3, score);
	sqlite3_bind_int64(st, 4, review);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		evidence_sql_read(st, out);
		out->rank_key = r->score;
	}
	rc = rc == SQLITE_ROW ? QREL_OK : rc == SQLITE_DONE ? QREL_NOTFOUND : db_fail(db, "reading a note");
	sqlite3_reset(st);
	return rc;
}

/* ---- the latest added first ---- */

/* The matches in the order of the note ids, descending: the index that drives gives them
 * in that order, so a page reads its own rows and the ones the filters turn away, and
 * stops (keyset after the cursor's id). */
static int
latest_page(struct db *db, int64_t review, const struct evidence_filter *f, const char *q,
	    const struct evidence_cursor *cur, int limit, struct evidence_note *out, int *n)
{
	bool after = cur && cur->set;
	sqlite3_stmt *st = evidence_sql_stmt(db, Q_MATCH_LATEST, evidence_sql_mask(f) | (after ? F_CURSOR : 0u));

	if (!st)
		return QREL_DB;
	evidence_sql_bind(st, review, f);
	if (after)
		sqlite3_bind_int64(st, 14, cur->id);
	sqlite3_bind_int(st, 15, limit);
	db_bind_text(st, 16, q);
	return evidence_sql_rows(db, st, limit, out, n);
}

int
search_page(struct db *db, int64_t review, const struct evidence_filter *f, const struct evidence_cursor *cur,
	    int limit, struct evidence_note *out, int *n)
{
	char q[EVIDENCE_QUERY_MAX * 2];
	struct rank_state s = { .limit = limit };
	int rc;

	*n = 0;
	if (!search_fts_query(f->query, q, sizeof(q)))
		return error(QREL_PARSE, "nothing to search for in '%s'", f->query);
	if (limit <= 0)
		return QREL_OK;
	if (!f->by_relevance)
		return latest_page(db, review, f, q, cur, limit, out, n);
	if (!(s.heap = calloc((size_t)limit, sizeof(*s.heap))))
		return error(QREL_NOMEM, "out of memory");
	rc = rank_page(db, review, f, q, cur, &s);
	for (int i = 0; i < s.n && rc == QREL_OK; i++)
		if ((rc = read_ranked(db, review, q, &s.heap[i], score_of(&s, s.heap[i].score), &out[*n])) == QREL_OK)
			(*n)++;
		else if (rc == QREL_NOTFOUND)
			rc = QREL_OK;	/* gone meanwhile */
	if (rc != QREL_OK) {
		evidence_notes_free(out, *n);
		*n = 0;
	}
	free(s.heap);
	free(s.idf);
	free(s.freq);
	return rc;
}

void
search_forget(struct db *db)
{
	if (ranking_db == db)
		ranking_db = NULL;
}
