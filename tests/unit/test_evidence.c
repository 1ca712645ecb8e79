/* Unit tests of evidence notes: FTS queries, filters, keyset paging, edit/delete/undo, drafts, activities. */
#include "qrel/qrel.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>

#include <unistd.h>

#include "qrel/activity.h"
#include "qrel/db.h"
#include "qrel/draft.h"
#include "qrel/evidence.h"
#include "qrel/search.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

static const char fixture_sql[] =
	FIXTURE_FRAMEWORK_SQL
	"INSERT INTO domain(framework_id, code, title, position) VALUES (1, '2', 'Leadership', 2);"
	"INSERT INTO cluster(framework_id, domain_id, code, title, position) VALUES "
	"(1, 1, '1.1', 'Achievement', 1), (1, 1, '1.2', 'Access', 2), (1, 2, '2.1', 'Planning', 1);";

static const char people_sql[] =
	FIXTURE_MAPLE_OAK_SQL
	"INSERT INTO person(uuid, review_id, name, role, site_id) VALUES "
	"('90000000-0000-4000-8000-000000000004', 1, 'Pat Principal', 'principal', 2);"
	"INSERT INTO activity(uuid, review_id, site_id, source, held_at, description) VALUES "
	"('a0000000-0000-4000-8000-000000000001', 1, 1, 'focus_group', '2024-03-05T09:30', 'Parents');";

static int
setup(void **state)
{
	setenv("QREL_NOW", "2024-05-01T10:00:00Z", 1);
	return maple_setup(state, "/tmp/qrel-evidence-XXXXXX", fixture_sql, people_sql);
}

static long long
query_int(struct maple *f, const char *sql)
{
	return fixture_int(f->db, sql);
}

/* Adds a note: clusters as ids, ended by 0. */
static int64_t
add(struct maple *f, const char *who, int64_t site, const char *source, const char *valence,
    const char *text, int64_t c1, int64_t c2)
{
	struct note_input in = { .site = site, .source = source, .valence = valence, .text = text };
	int64_t id = 0;
	int rc;

	in.cluster[in.nclusters++] = c1;
	if (c2)
		in.cluster[in.nclusters++] = c2;
	rc = evidence_add(f->db, f->review, who, &in, &id);
	if (rc != QREL_OK)
		fail_msg("evidence_add: %s", error_message());
	return id;
}

/* The ids a filter lists, in order, in pages of size; returns how many. */
static int
list_ids(struct maple *f, const struct evidence_filter *flt, int size, int64_t *ids, int max)
{
	struct evidence_note rows[64];
	struct evidence_cursor cur = { 0 };
	int total = 0, n;

	do {
		assert_int_equal(evidence_page(f->db, f->review, flt, &cur, size, rows, &n), QREL_OK);
		for (int i = 0; i < n && total < max; i++)
			ids[total++] = rows[i].id;
		if (n)
			evidence_cursor_of(&rows[n - 1], &cur);
		evidence_notes_free(rows, n);
	} while (n == size);
	return total;
}

/* ---- FTS queries ---- */

static void
expect_query(const char *in, const char *want)
{
	char out[256];
	bool ok = search_fts_query(in, out, sizeof(out));

	if (!want) {
		assert_false(ok);
		return;
	}
	assert_true(ok);
	assert_string_equal(out, want);
}

static void
test_fts_query(void **state)
{
	UNUSED(state);
	expect_query("equity", "\"equity\"");
	expect_query("  grad*  data ", "\"grad\" * \"data\"");
	expect_query("\"family night\"", "\"family night\"");
	expect_query("\"family nig\"*", "\"family nig\" *");
	expect_query("don't \"unterminated", "\"don't\" \"unterminated\"");
	expect_query("a\"b", "\"a\"\"b\"");
	expect_query("AND OR NOT", "\"AND\" \"OR\" \"NOT\"");
	expect_query("NEAR(a b) col:x", "\"NEAR(a\" \"b)\" \"col:x\"");
	expect_query("élèves", "\"élèves\"");
	expect_query("*", NULL);
	expect_query("\"\" -- ***", NULL);
	expect_query("", NULL);
	expect_query(NULL, NULL);
}

static void
test_fts_never_errors(void **state)
{
	static const char *const nasty[] = { "\"", "\"\"\"", "*a", "a**", "(", ")", "^x", "x:", "NEAR(",
		"a OR", "NOT", "AND AND", "'", "\\", "{a b}", "+", "-x", "\"a\" *\"b", "a\x01" "b", "\xff\xfe" };
	struct maple *f = *state;
	struct evidence_filter flt = { 0 };
	struct evidence_note rows[4];
	int n, rc;

	add(f, "Ray Viewer", f->s1, "interview", NULL, "Some text about (parents) and \"quotes\"", f->c11, 0);
	for (size_t i = 0; i < ARRAY_SIZE(nasty); i++) {
		snprintf(flt.query, sizeof(flt.query), "%s", nasty[i]);
		rc = evidence_page(f->db, f->review, &flt, NULL, 4, rows, &n);
		if (rc != QREL_OK && rc != QREL_PARSE)
			fail_msg("query '%s': %s", nasty[i], error_message());
		evidence_notes_free(rows, n);
		assert_true(evidence_count(f->db, f->review, &flt) >= (rc == QREL_OK ? 0 : -1));
	}
}

/* A search's first page: latest added first, or (relevance) best match first. */
static int
search_in(struct maple *f, const char *q, bool relevance, struct evidence_note *rows, int max)
{
	struct evidence_filter flt = { .by_relevance = relevance };
	int n;

	assert_int_equal(evidence_filter_set(f->db, f->review, &flt, "search", q), QREL_OK);
	assert_int_equal(evidence_page(f->db, f->review, &flt, NULL, max, rows, &n), QREL_OK);
	assert_int_equal(evidence_count(f->db, f->review, &flt), n);
	return n;
}

static int
search(struct maple *f, const char *q, struct evidence_note *rows, int max)
{
	return search_in(f, q, false, rows, max);
}

static void
test_search_utf8_prefix_phrase(void **state)
{
	struct maple *f = *state;
	struct evidence_note rows[8];
	int64_t a = add(f, "Zoë Ríos", f->s1, "interview", NULL, "Les élèves de l'École parlent", f->c11, 0);
	int64_t b = add(f, "Ray Viewer", f->s1, "focus_group", NULL, "Family night: families said the night "
			"was family-friendly", f->c12, 0);
	int64_t c = add(f, "Ray Viewer", f->s2, "survey", NULL, "Night school for families", f->c21, 0);
	int n;

	n = search(f, "eleves", rows, 8);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, a);
	/* "Les " is 4 bytes; "élèves" is 8 bytes of UTF-8. */
	assert_int_equal(rows[0].nspans, 1);
	assert_int_equal(rows[0].span[0].start, 4);
	assert_int_equal(rows[0].span[0].end, 12);
	evidence_notes_free(rows, n);
	n = search(f, "ÉCOLE", rows, 8);
	assert_int_equal(n, 1);
	evidence_notes_free(rows, n);
	n = search(f, "élè*", rows, 8);
	assert_int_equal(n, 1);
	evidence_notes_free(rows, n);
	n = search(f, "\"family night\"", rows, 8);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, b);
	evidence_notes_free(rows, n);
	n = search(f, "night famil*", rows, 8);
	assert_int_equal(n, 2);
	/* By default the latest added first; by relevance the note saying night and
	 * family more often. */
	assert_int_equal(rows[0].id, c);
	assert_int_equal(rows[1].id, b);
	assert_true(rows[1].nspans >= 4);
	evidence_notes_free(rows, n);
	n = search_in(f, "night famil*", true, rows, 8);
	assert_int_equal(n, 2);
	assert_int_equal(rows[0].id, b);
	assert_int_equal(rows[1].id, c);
	assert_true(rows[0].rank <= rows[1].rank);
	assert_true(rows[0].nspans >= 4);
	evidence_notes_free(rows, n);
	n = search(f, "\"night family\"", rows, 8);
	assert_int_equal(n, 0);
}

static void
test_search_quotes_and_deleted(void **state)
{
	struct maple *f = *state;
	struct evidence_note rows[4];
	int64_t a = add(f, "Ray Viewer", f->s1, "interview", NULL, "She said \"we are heard\" twice", f->c11, 0);
	int n = search(f, "\"we are heard\"", rows, 4);

	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, a);
	evidence_notes_free(rows, n);
	n = search(f, "said\"we", rows, 4);
	assert_int_equal(n, 1);
	evidence_notes_free(rows, n);
	assert_int_equal(evidence_delete(f->db, f->review, "Ray Viewer", a), QREL_OK);
	assert_int_equal(search(f, "heard", rows, 4), 0);
}

/* ---- filters ---- */

static void
set(struct maple *f, struct evidence_filter *flt, const char *field, const char *value)
{
	if (evidence_filter_set(f->db, f->review, flt, field, value) != QREL_OK)
		fail_msg("filter %s=%s: %s", field, value, error_message());
}

static void
test_filters(void **state)
{
	struct maple *f = *state;
	struct note_input in = { .site = f->s2, .source = "survey", .valence = "growth", .text = "Survey note",
		.created_at = "2024-04-02T08:00:00Z", .nclusters = 1, .nsubgroups = 1,
		.dimension = { "race" }, .group = { "Black" } };
	struct evidence_filter flt = { 0 };
	int64_t ids[16], a, b, c = 0;
	char desc[256];

	in.cluster[0] = f->c21;
	a = add(f, "Ray Viewer", f->s1, "interview", "strength", "Interview note", f->c11, f->c12);
	b = add(f, "Zoë Ríos", f->s1, "focus_group", NULL, "Focus note", f->c12, 0);
	assert_int_equal(evidence_add(f->db, f->review, "Ann Lead", &in, &c), QREL_OK);
	assert_int_equal(list_ids(f, &flt, 10, ids, 16), 3);
	set(f, &flt, "site", "s1");
	assert_int_equal(list_ids(f, &flt, 10, ids, 16), 2);
	set(f, &flt, "cluster", "1.1");
	assert_int_equal(list_ids(f, &flt, 10, ids, 16), 1);
	assert_int_equal(ids[0], a);
	set(f, &flt, "cluster", "");
	set(f, &flt, "author", "Zoë Ríos");
	assert_int_equal(list_ids(f, &flt, 10, ids, 16), 1);
	assert_int_equal(ids[0], b);
	memset(&flt, 0, sizeof(flt));
	set(f, &flt, "domain", "2");
	set(f, &flt, "valence", "g");
	set(f, &flt, "source", "Survey");
	set(f, &flt, "subgroup", "race:black");
	assert_int_equal(list_ids(f, &flt, 10, ids, 16), 1);
	assert_int_equal(ids[0], c);
	assert_int_equal(evidence_count(f->db, f->review, &flt), 1);
	evidence_filter_describe(&flt, desc, sizeof(desc));
	assert_string_equal(desc, "domain=2 source=survey valence=growth subgroup=race:black");
	memset(&flt, 0, sizeof(flt));
	set(f, &flt, "to", "2024-04-02");
	assert_int_equal(list_ids(f, &flt, 10, ids, 16), 1);
	set(f, &flt, "to", "");
	set(f, &flt, "from", "2024-04-03");
	assert_int_equal(list_ids(f, &flt, 10, ids, 16), 2);
	assert_int_equal(evidence_filter_set(f->db, f->review, &flt, "site", "NOPE"), QREL_NOTFOUND);
	assert_int_equal(evidence_filter_set(f->db, f->review, &flt, "from", "yesterday"), QREL_PARSE);
	assert_int_equal(evidence_filter_set(f->db, f->review, &flt, "valence", "bad"), QREL_PARSE);
	assert_int_equal(evidence_filter_set(f->db, f->review, &flt, "subgroup", ":x"), QREL_PARSE);
	assert_int_equal(evidence_filter_set(f->db, f->review, &flt, "colour", "x"), QREL_USAGE);
}

/* Every note has the same created_at (the clock is fixed): the id breaks the tie. */
static void
test_keyset_paging_equal_times(void **state)
{
	struct maple *f = *state;
	struct evidence_filter flt = { 0 };
	int64_t added[25], ids[40];
	char text[32];

	for (int i = 0; i < 25; i++) {
		snprintf(text, sizeof(text), "note number %d", i);
		added[i] = add(f, "Ray Viewer", i % 2 ? f->s1 : f->s2, "interview", NULL, text, f->c11, 0);
	}
	for (int size = 1; size <= 11; size += 5) {
		assert_int_equal(list_ids(f, &flt, size, ids, 40), 25);
		for (int i = 0; i < 25; i++)
			assert_int_equal(ids[i], added[24 - i]);
	}
	set(f, &flt, "search", "number");
	assert_int_equal(list_ids(f, &flt, 4, ids, 40), 25);
	for (int i = 1; i < 25; i++)
		assert_true(ids[i] != ids[i - 1]);
	set(f, &flt, "site", "S1");
	assert_int_equal(list_ids(f, &flt, 3, ids, 40), 12);
}

/* ---- changes ---- */

/* A site (through note_site_time) and a day ("to"), paged one by one across notes
 * with equal times: each note once, newest first. */
static void
test_keyset_paging_site_and_day(void **state)
{
	struct maple *f = *state;
	struct evidence_filter flt = { 0 };
	int64_t added[12], ids[20];
	char text[32];

	for (int i = 0; i < 12; i++) {
		snprintf(text, sizeof(text), "site note %d", i);
		added[i] = add(f, "Ray Viewer", f->s1, "interview", NULL, text, i % 3 ? f->c11 : f->c12, 0);
	}
	add(f, "Ray Viewer", f->s2, "interview", NULL, "elsewhere", f->c11, 0);
	set(f, &flt, "site", "S1");
	set(f, &flt, "to", "2024-05-01");
	for (int size = 1; size <= 5; size += 2) {
		assert_int_equal(list_ids(f, &flt, size, ids, 20), 12);
		for (int i = 0; i < 12; i++)
			assert_int_equal(ids[i], added[11 - i]);
	}
	set(f, &flt, "cluster", "1.2");
	assert_int_equal(list_ids(f, &flt, 1, ids, 20), 4);
	assert_int_equal(ids[0], added[9]);
	assert_int_equal(ids[3], added[0]);
	set(f, &flt, "to", "2024-04-30");
	assert_int_equal(list_ids(f, &flt, 1, ids, 20), 0);
}

/* The ids a search lists, in order, through all its pages. */
static int
search_ids(struct maple *f, const struct evidence_filter *flt, int64_t *ids, int max)
{
	return list_ids(f, flt, 3, ids, max);
}

static bool
has_id(const int64_t *ids, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* A site's notes of one cluster (the rubric's E) come from note_cluster_time:
 * the same notes in the same order as testing every note, through every page
 * size, with equal times, a note deleted and brought back, its total, and a
 * scoped reader (a principal's site). */
static void
test_site_cluster_list(void **state)
{
	static const char reference[] = "SELECT count(*) FROM note n WHERE n.site_id = 1 AND n.deleted_at IS NULL "
		"AND EXISTS (SELECT 1 FROM note_cluster nc WHERE nc.note_id = n.id AND nc.cluster_id = 2)";
	struct maple *f = *state;
	struct evidence_filter flt = { 0 };
	struct evidence_total t;
	int64_t added[9], ids[20];
	char text[32];

	for (int i = 0; i < 9; i++) {
		snprintf(text, sizeof(text), "cluster note %d", i);
		added[i] = add(f, "Ray Viewer", f->s1, "interview", NULL, text, i % 2 ? f->c11 : f->c12, f->c12);
	}
	add(f, "Ray Viewer", f->s2, "interview", NULL, "another school", f->c12, 0);
	set(f, &flt, "site", "S1");
	set(f, &flt, "cluster", "1.2");
	for (int size = 1; size <= 4; size++) {
		assert_int_equal(list_ids(f, &flt, size, ids, 20), 9);
		for (int i = 0; i < 9; i++)	/* all added in one second: newest id first */
			assert_int_equal(ids[i], added[8 - i]);
	}
	assert_int_equal(evidence_delete(f->db, f->review, "Ray Viewer", added[4]), QREL_OK);
	assert_int_equal(list_ids(f, &flt, 2, ids, 20), 8);
	assert_false(has_id(ids, 8, added[4]));
	assert_int_equal(evidence_total(f->db, f->review, &flt, &t), QREL_OK);
	assert_int_equal(t.count, 8);
	assert_int_equal(t.count, query_int(f, reference));
	assert_int_equal(evidence_undelete(f->db, f->review, "Ray Viewer", added[4]), QREL_OK);
	assert_int_equal(list_ids(f, &flt, 3, ids, 20), 9);
	assert_int_equal(ids[4], added[4]);
	set(f, &flt, "valence", "neutral");	/* another filter: the notes are read too */
	assert_int_equal(evidence_total(f->db, f->review, &flt, &t), QREL_OK);
	assert_int_equal(t.count, 9);
	assert_int_equal(evidence_filter_viewer(f->db, f->review, "Pat Principal", &flt), QREL_OK);
	assert_int_equal(evidence_total(f->db, f->review, &flt, &t), QREL_OK);
	assert_int_equal(t.count, 0);	/* Pat's school is Oak, and nothing is released */
	assert_int_equal(list_ids(f, &flt, 2, ids, 20), 0);
}

/* The ids SQLite's own bm25() puts first for a query, best first, then newest. */
static int
bm25_ids(struct maple *f, const char *match, int64_t *ids, int max)
{
	sqlite3_stmt *st;
	int n = 0;

	assert_int_equal(sqlite3_prepare_v2(db_handle(f->db), "SELECT rowid FROM note_fts WHERE note_fts MATCH ?1 "
					    "ORDER BY bm25(note_fts), rowid DESC", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	while (n < max && sqlite3_step(st) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Each row of the first page has the very score SQLite's bm25() gives it. */
static void
same_as_bm25(struct maple *f, const struct evidence_filter *flt, const char *match)
{
	struct evidence_note rows[8];
	sqlite3_stmt *st;
	int n;

	assert_int_equal(evidence_page(f->db, f->review, flt, NULL, 8, rows, &n), QREL_OK);
	assert_true(n > 0);
	assert_int_equal(sqlite3_prepare_v2(db_handle(f->db), "SELECT bm25(note_fts) FROM note_fts WHERE "
					    "note_fts MATCH ?1 AND rowid = ?2", -1, &st, NULL), SQLITE_OK);
	for (int i = 0; i < n; i++) {
		sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, rows[i].id);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_true(sqlite3_column_double(st, 0) == rows[i].rank);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	evidence_notes_free(rows, n);
}

/* Twelve notes saying "families", every fourth three times; eight at S1, four at S2;
 * odd ones in cluster 1.1, even ones in 1.2. */
static void
add_families(struct maple *f, int64_t *added)
{
	char text[96];

	for (int i = 0; i < 12; i++) {
		snprintf(text, sizeof(text), "families %s night", i % 4 ? "came on a long and rainy" : "families families");
		added[i] = add(f, "Ray Viewer", i < 8 ? f->s1 : f->s2, "interview", NULL, text, i % 2 ? f->c11 : f->c12, 0);
	}
}

/* Every match is ranked, in the order (and with the scores) of FTS5's bm25(), ties newest
 * first, through pages of any size and with filters. */
static void
test_search_ranks_all(void **state)
{
	struct maple *f = *state;
	struct evidence_filter flt = { 0 };
	int64_t ids[20], want[20], added[12];

	add_families(f, added);
	flt.by_relevance = true;
	set(f, &flt, "search", "families");
	assert_int_equal(bm25_ids(f, "\"families\"", want, 20), 12);
	for (int size = 1; size <= 5; size++) {
		assert_int_equal(list_ids(f, &flt, size, ids, 20), 12);
		for (int i = 0; i < 12; i++)
			assert_int_equal(ids[i], want[i]);
	}
	assert_int_equal(want[0], added[8]);	/* "families" three times, the newest of three */
	assert_int_equal(want[2], added[0]);
	same_as_bm25(f, &flt, "\"families\"");
	/* With a site (the note index drives) and with a cluster (the full-text index drives). */
	set(f, &flt, "site", "S2");
	assert_int_equal(list_ids(f, &flt, 3, ids, 20), 4);
	assert_int_equal(ids[0], added[8]);
	same_as_bm25(f, &flt, "\"families\"");
	set(f, &flt, "site", "");
	set(f, &flt, "cluster", "1.1");
	assert_int_equal(list_ids(f, &flt, 2, ids, 20), 6);
	same_as_bm25(f, &flt, "\"families\"");
	set(f, &flt, "search", "families night");	/* two phrases */
	same_as_bm25(f, &flt, "\"families\" \"night\"");
	set(f, &flt, "search", "families");
	for (int i = 0; i < 6; i++)
		assert_true((ids[i] - added[0]) % 2 == 1);
	/* A deleted note leaves the ranking at once. */
	assert_int_equal(evidence_delete(f->db, f->review, "Ray Viewer", added[9]), QREL_OK);
	assert_int_equal(list_ids(f, &flt, 2, ids, 20), 5);
	assert_false(has_id(ids, 5, added[9]));
}

/* An old note that says it best ranks above thousands of newer weak matches (the old
 * screen ranked only the 2,000 newest). */
static void
test_search_old_best_first(void **state)
{
	struct maple *f = *state;
	struct evidence_filter flt = { 0 };
	struct evidence_total t;
	int64_t ids[8], old = add(f, "Ray Viewer", f->s1, "interview", NULL, "Mentoring mentoring: mentoring works",
				  f->c11, 0);
	char sql[640];

	flt.by_relevance = true;
	snprintf(sql, sizeof(sql), "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 2500) "
		 "INSERT INTO note(uuid, review_id, site_id, source, author_id, text, created_at, updated_at) "
		 "SELECT 'bulk-' || i, %lld, %lld, 'survey', 2, 'a long survey answer that mentions mentoring once "
		 "among many other words about the school ' || i, '2024-05-' || (10 + i %% 10), '2024-05-10' FROM k",
		 (long long)f->review, (long long)f->s2);
	assert_int_equal(db_exec(f->db, sql), QREL_OK);
	set(f, &flt, "search", "mentoring");
	assert_int_equal(list_ids(f, &flt, 4, ids, 8), 8);
	assert_int_equal(ids[0], old);
	assert_int_equal(evidence_total(f->db, f->review, &flt, &t), QREL_OK);
	assert_int_equal(t.count, EVIDENCE_COUNT_CAP);
	assert_true(t.more);
	/* Deep pages go on through every match, each once. */
	{
		int64_t *all = calloc(2600, sizeof(*all));

		assert_non_null(all);
		assert_int_equal(list_ids(f, &flt, 20, all, 2600), 2501);
		for (int i = 1; i < 2501; i++)
			assert_true(all[i] != all[i - 1]);
		/* Latest added first: the old note is the last of every match. */
		flt.by_relevance = false;
		assert_int_equal(list_ids(f, &flt, 20, all, 2600), 2501);
		for (int i = 1; i < 2501; i++)
			assert_true(all[i] < all[i - 1]);
		assert_int_equal(all[2500], old);
		free(all);
	}
}

/* By default every match, the latest added first (whatever its date or score), through
 * pages of any size, with filters (a site: the note index drives; a cluster: the
 * full-text index does); the same notes as by relevance, in another order. */
static void
test_search_latest_first(void **state)
{
	struct maple *f = *state;
	struct evidence_filter flt = { 0 };
	int64_t ids[20], ranked[20], added[12];

	add_families(f, added);
	add(f, "Ray Viewer", f->s1, "interview", NULL, "nothing to find here", f->c11, 0);
	set(f, &flt, "search", "families");
	for (int size = 1; size <= 5; size++) {
		assert_int_equal(list_ids(f, &flt, size, ids, 20), 12);
		for (int i = 0; i < 12; i++)
			assert_int_equal(ids[i], added[11 - i]);
	}
	flt.by_relevance = true;
	assert_int_equal(list_ids(f, &flt, 4, ranked, 20), 12);
	assert_int_equal(ranked[0], added[8]);	/* the best match is not the latest */
	for (int i = 0; i < 12; i++)
		assert_true(has_id(ids, 12, ranked[i]));
	flt.by_relevance = false;
	set(f, &flt, "site", "S2");
	assert_int_equal(list_ids(f, &flt, 3, ids, 20), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(ids[i], added[11 - i]);
	set(f, &flt, "site", "");
	set(f, &flt, "cluster", "1.1");
	assert_int_equal(list_ids(f, &flt, 2, ids, 20), 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(ids[i], added[11 - 2 * i]);
	assert_int_equal(evidence_delete(f->db, f->review, "Ray Viewer", added[11]), QREL_OK);
	assert_int_equal(list_ids(f, &flt, 2, ids, 20), 5);
	assert_int_equal(ids[0], added[9]);
}

/* A principal's search shows only what the principal may read, however well the hidden
 * notes match; a non-member's shows nothing. */
static void
test_search_visibility(void **state)
{
	struct maple *f = *state;
	struct evidence_filter flt = { 0 };
	int64_t ids[8], own = add(f, "Pat Principal", f->s2, "self_evaluation", NULL, "budget notes", f->c11, 0);

	add(f, "Ray Viewer", f->s2, "interview", NULL, "budget budget budget", f->c11, 0);
	add(f, "Ray Viewer", f->s1, "interview", NULL, "budget budget", f->c11, 0);
	set(f, &flt, "search", "budget");
	assert_int_equal(search_ids(f, &flt, ids, 8), 3);
	assert_int_equal(evidence_filter_viewer(f->db, f->review, "Pat Principal", &flt), QREL_OK);
	assert_int_equal(search_ids(f, &flt, ids, 8), 1);
	assert_int_equal(ids[0], own);
	assert_int_equal(evidence_filter_viewer(f->db, f->review, "Nobody", &flt), QREL_OK);
	assert_int_equal(search_ids(f, &flt, ids, 8), 0);
	assert_int_equal(visibility_release(f->db, f->review, "Ann Lead", f->s2), QREL_OK);
	assert_int_equal(evidence_filter_viewer(f->db, f->review, "Pat Principal", &flt), QREL_OK);
	assert_int_equal(search_ids(f, &flt, ids, 8), 2);
	assert_int_equal(evidence_filter_viewer(f->db, f->review, "Ann Lead", &flt), QREL_OK);
	assert_int_equal(search_ids(f, &flt, ids, 8), 3);
	/* The same by relevance. */
	flt.by_relevance = true;
	assert_int_equal(evidence_filter_viewer(f->db, f->review, "Pat Principal", &flt), QREL_OK);
	assert_int_equal(search_ids(f, &flt, ids, 8), 2);
	assert_int_equal(evidence_filter_viewer(f->db, f->review, "Nobody", &flt), QREL_OK);
	assert_int_equal(search_ids(f, &flt, ids, 8), 0);
}

/* Without a search the total is exact up to the cap, then "more". */
static void
test_total_capped(void **state)
{
	struct maple *f = *state;
	struct evidence_filter flt = { 0 };
	struct evidence_total t;
	char sql[512];

	snprintf(sql, sizeof(sql), "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %d) "
		 "INSERT INTO note(uuid, review_id, site_id, source, author_id, text, created_at, updated_at) "
		 "SELECT 'bulk-' || i, %lld, %lld, 'survey', 1, 'bulk note ' || i, '2024-01-01', '2024-01-01' FROM k",
		 EVIDENCE_COUNT_CAP, (long long)f->review, (long long)f->s2);
	assert_int_equal(db_exec(f->db, sql), QREL_OK);
	assert_int_equal(evidence_total(f->db, f->review, &flt, &t), QREL_OK);
	assert_int_equal(t.count, EVIDENCE_COUNT_CAP);
	assert_false(t.more);
	add(f, "Ray Viewer", f->s1, "interview", NULL, "one more", f->c11, 0);
	assert_int_equal(evidence_total(f->db, f->review, &flt, &t), QREL_OK);
	assert_int_equal(t.count, EVIDENCE_COUNT_CAP);
	assert_true(t.more);
	assert_int_equal(evidence_count(f->db, f->review, &flt), EVIDENCE_COUNT_CAP + 1);
	set(f, &flt, "site", "S1");
	assert_int_equal(evidence_total(f->db, f->review, &flt, &t), QREL_OK);
	assert_int_equal(t.count, 1);
	assert_false(t.more);
}

static void
test_delete_undo_changelog(void **state)
{
	struct maple *f = *state;
	struct evidence_filter flt = { 0 };
	int64_t ids[4], a = add(f, "Ray Viewer", f->s1, "interview", NULL, "To be deleted", f->c11, 0);

	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log WHERE entity = 'note' AND field = 'create'"), 1);
	assert_int_equal(evidence_delete(f->db, f->review, "Zoë Ríos", a), QREL_DENIED);
	assert_int_equal(evidence_delete(f->db, f->review, "Ray Viewer", a), QREL_OK);
	assert_int_equal(list_ids(f, &flt, 10, ids, 4), 0);
	assert_int_equal(evidence_delete(f->db, f->review, "Ray Viewer", a), QREL_CONFLICT);
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log WHERE field = 'delete' AND new IS NOT NULL"), 1);
	assert_int_equal(evidence_undelete(f->db, f->review, "Ann Lead", a), QREL_OK);
	assert_int_equal(list_ids(f, &flt, 10, ids, 4), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log WHERE field = 'restore' AND old IS NOT NULL "
			 "AND who = 'Ann Lead'"), 1);
	assert_int_equal(query_int(f, "SELECT version FROM note"), 3);
	assert_int_equal(evidence_undelete(f->db, f->review, "Ray Viewer", a), QREL_CONFLICT);
}

static void
test_edit(void **state)
{
	struct maple *f = *state;
	struct evidence_note rows[2];
	int64_t cl[2], a = add(f, "Ray Viewer", f->s1, "interview", NULL, "old words here", f->c11, 0);
	int n;

	cl[0] = f->c21;
	cl[1] = f->c11;
	assert_int_equal(evidence_edit(f->db, f->review, "Ray Viewer", a, "new words here", "strength", cl, 2),
			 QREL_OK);
	assert_int_equal(query_int(f, "SELECT version FROM note"), 2);
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log WHERE field = 'text' AND old = 'old words here' "
			 "AND new = 'new words here'"), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log WHERE field = 'clusters' AND old = '1.1' "
			 "AND new = '1.1;2.1'"), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log WHERE field = 'valence'"), 1);
	/* The same again changes nothing. */
	assert_int_equal(evidence_edit(f->db, f->review, "Ray Viewer", a, "new words here", "strength", cl, 2),
			 QREL_OK);
	assert_int_equal(query_int(f, "SELECT version FROM note"), 2);
	assert_int_equal(search(f, "old", rows, 2), 0);
	n = search(f, "new", rows, 2);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].clusters, "1.1;2.1");
	assert_string_equal(rows[0].valence, "strength");
	assert_int_equal(rows[0].first_cluster, f->c11);
	evidence_notes_free(rows, n);
	assert_int_equal(evidence_edit(f->db, f->review, "Zoë Ríos", a, "mine now", NULL, NULL, 0), QREL_DENIED);
	assert_int_equal(evidence_edit(f->db, f->review, "Ray Viewer", a, "  ", NULL, NULL, 0), QREL_PARSE);
}

static void
test_add_checks(void **state)
{
	struct maple *f = *state;
	struct note_input in = { .site = f->s1, .source = "interview", .text = "x" };
	int64_t id;

	assert_int_equal(evidence_add(f->db, f->review, "Ray Viewer", &in, &id), QREL_PARSE);	/* no cluster */
	in.cluster[in.nclusters++] = f->c11;
	assert_int_equal(evidence_add(f->db, f->review, "Stranger", &in, &id), QREL_DENIED);
	assert_int_equal(evidence_add(f->db, f->review, "Pat Principal", &in, &id), QREL_DENIED);
	in.source = "gossip";
	assert_int_equal(evidence_add(f->db, f->review, "Ray Viewer", &in, &id), QREL_PARSE);
	in.source = "interview";
	in.activity = activity_find(f->db, f->review, "A0000000-0000-4000-8000-000000000001");
	assert_true(in.activity > 0);
	in.site = f->s2;
	assert_int_equal(evidence_add(f->db, f->review, "Ray Viewer", &in, &id), QREL_PARSE);
	in.site = f->s1;
	assert_int_equal(evidence_add(f->db, f->review, "Ray Viewer", &in, &id), QREL_OK);
	assert_int_equal(activity_last_used(f->db, f->review, "Ray Viewer", 0), in.activity);
	assert_int_equal(activity_last_used(f->db, f->review, "Ray Viewer", f->s1), in.activity);
	assert_int_equal(activity_last_used(f->db, f->review, "Ray Viewer", f->s2), 0);
	assert_int_equal(activity_last_used(f->db, f->review, "Zoë Ríos", 0), 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note"), 1);
}

static void
test_note_drafts(void **state)
{
	struct maple *f = *state;
	char *text;

	assert_null(draft_load(f->db, "note:new:1", "Ray Viewer"));
	assert_int_equal(draft_save(f->db, "note:new:1", "Ray Viewer", "half a thought, é"), QREL_OK);
	assert_int_equal(draft_save(f->db, "note:new:1", "Zoë Ríos", "another person's"), QREL_OK);
	text = draft_load(f->db, "note:new:1", "Ray Viewer");
	assert_string_equal(text, "half a thought, é");
	free(text);
	/* A reopened store still has it: a hang-up loses nothing. */
	db_close(f->db);
	assert_int_equal(db_open(f->path, 0, &f->db), QREL_OK);
	text = draft_load(f->db, "note:new:1", "Ray Viewer");
	assert_string_equal(text, "half a thought, é");
	free(text);
	assert_int_equal(draft_clear(f->db, "note:new:1", "Ray Viewer"), QREL_OK);
	assert_null(draft_load(f->db, "note:new:1", "Ray Viewer"));
	text = draft_load(f->db, "note:new:1", "Zoë Ríos");
	assert_string_equal(text, "another person's");
	free(text);
}

static void
test_activities(void **state)
{
	struct maple *f = *state;
	struct activity_input in = { .site = f->s2, .source = "site_observation", .held_at = "2024-04-10T10:00",
		.description = "Grade 7 math lesson" };
	struct activity_row *rows, one;
	int64_t id;
	int n;

	assert_int_equal(activity_add(f->db, f->review, "Ray Viewer", &in, &id), QREL_OK);
	in.held_at = "soon";
	assert_int_equal(activity_add(f->db, f->review, "Ray Viewer", &in, &id), QREL_PARSE);
	add(f, "Ray Viewer", f->s1, "focus_group", NULL, "x", f->c11, 0);
	assert_int_equal(activity_list(f->db, f->review, 0, &rows, &n), QREL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].description, "Grade 7 math lesson");
	assert_int_equal(rows[0].notes, 0);
	free(rows);
	assert_int_equal(activity_edit(f->db, f->review, "Ray Viewer", id,
				       &(struct activity_input){ .description = "Grade 8" }), QREL_OK);
	assert_int_equal(activity_get(f->db, f->review, id, &one), QREL_OK);
	assert_string_equal(one.description, "Grade 8");
	assert_string_equal(one.source, "site_observation");
	/* activity_get and evidence_get read one row the same way (store_review_row). */
	assert_int_equal(activity_get(f->db, f->review, 999, &one), QREL_NOTFOUND);
	assert_string_equal(error_message(), "no activity 999 in this review");
	assert_int_equal(evidence_get(f->db, f->review + 1, 1, &(struct evidence_note){ 0 }), QREL_NOTFOUND);
	assert_string_equal(error_message(), "no note 1 in this review");
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log WHERE entity = 'activity'"), 2);
	assert_int_equal(activity_list(f->db, f->review, f->s1, &rows, &n), QREL_OK);
	assert_int_equal(n, 1);
	free(rows);
}

static void
test_choices(void **state)
{
	struct maple *f = *state;
	struct evidence_choice *c;
	int n;

	assert_int_equal(evidence_choices(f->db, f->review, "cluster", &c, &n), QREL_OK);
	assert_int_equal(n, 3);
	assert_string_equal(c[2].value, "2.1");
	assert_string_equal(c[2].label, "2.1  Planning");
	free(c);
	assert_int_equal(evidence_choices(f->db, f->review, "valence", &c, &n), QREL_OK);
	assert_int_equal(n, 3);
	free(c);
	assert_int_equal(evidence_choices(f->db, f->review, "nothing", &c, &n), QREL_USAGE);
}

/* ---- no silent overwrite ---- */

static void
test_edit_expect_stale_refused(void **state)
{
	struct maple *f = *state;
	int64_t a = add(f, "Ray Viewer", f->s1, "interview", NULL, "as first typed", f->c11, 0);
	struct evidence_note cur;
	long long logs;

	/* Ray opens the note at version 1; the lead changes it at 10:02 meanwhile. */
	setenv("QREL_NOW", "2024-05-01T10:02:00Z", 1);
	assert_int_equal(evidence_edit(f->db, f->review, "Ann Lead", a, "the lead's words", NULL, NULL, 0), QREL_OK);
	logs = query_int(f, "SELECT count(*) FROM change_log");
	assert_int_equal(evidence_edit_expect(f->db, f->review, "Ray Viewer", a, "Ray's words", "growth", NULL, 0, 1,
					      &cur), QREL_CONFLICT);
	assert_non_null(strstr(error_message(), "Ann Lead changed note"));
	assert_non_null(strstr(error_message(), "2024-05-01T10:02:00Z"));
	/* Nothing written. */
	assert_int_equal(query_int(f, "SELECT version FROM note"), 2);
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log"), logs);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note WHERE text = 'the lead''s words' "
			 "AND valence = 'neutral'"), 1);
	/* The screen gets theirs, and who and when. */
	assert_string_equal(cur.text, "the lead's words");
	assert_int_equal(cur.version, 2);
	assert_string_equal(cur.changed_by, "Ann Lead");
	assert_string_equal(cur.changed_at, "2024-05-01T10:02:00Z");
	free(cur.text);
	/* A deletion meanwhile is a change too. */
	assert_int_equal(evidence_delete(f->db, f->review, "Ann Lead", a), QREL_OK);
	assert_int_equal(evidence_edit_expect(f->db, f->review, "Ray Viewer", a, "Ray's words", NULL, NULL, 0, 2,
					      NULL), QREL_CONFLICT);
	assert_int_equal(query_int(f, "SELECT version FROM note"), 3);
	setenv("QREL_NOW", "2024-05-01T10:00:00Z", 1);
}

static void
test_edit_expect_current_passes(void **state)
{
	struct maple *f = *state;
	int64_t a = add(f, "Ray Viewer", f->s1, "interview", NULL, "as first typed", f->c11, 0);
	int64_t cl[1] = { f->c21 };
	struct evidence_note cur;

	assert_int_equal(evidence_edit_expect(f->db, f->review, "Ray Viewer", a, "second", NULL, cl, 1, 1, &cur),
			 QREL_OK);
	free(cur.text);
	assert_int_equal(query_int(f, "SELECT version FROM note"), 2);
	/* Keeping mine knowingly after a conflict: the version now shown passes, logged. */
	assert_int_equal(evidence_edit_expect(f->db, f->review, "Ann Lead", a, "third", NULL, NULL, 0, 2, NULL),
			 QREL_OK);
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log WHERE field = 'text' AND old = 'second' "
			 "AND new = 'third' AND who = 'Ann Lead'"), 1);
	assert_int_equal(evidence_edit_expect(f->db, f->review, "Ann Lead", a, "fourth", NULL, NULL, 0,
					      EVIDENCE_ANY_VERSION, NULL), QREL_OK);
	assert_int_equal(query_int(f, "SELECT version FROM note"), 4);
}

/* ---- a full disk ---- */

static void
test_full_disk_add(void **state)
{
	struct maple *f = *state;
	char sql[64], *big = malloc(30001), *text;
	long long notes, logs;

	add(f, "Ray Viewer", f->s1, "interview", NULL, "before the disk filled", f->c11, 0);
	for (int i = 0; i < 30000; i++)
		big[i] = "word "[i % 5];
	big[30000] = '\0';
	notes = query_int(f, "SELECT count(*) FROM note");
	logs = query_int(f, "SELECT count(*) FROM change_log");
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld", query_int(f, "PRAGMA page_count"));
	assert_int_equal(db_exec(f->db, sql), QREL_OK);
	assert_int_equal(evidence_add(f->db, f->review, "Ray Viewer",
				      &(struct note_input){ .site = f->s1, .source = "interview", .text = big,
							    .cluster = { f->c11 }, .nclusters = 1 }, NULL), QREL_FULL);
	assert_non_null(strstr(error_message(), "disk is full"));
	assert_non_null(strstr(error_message(), f->path));
	/* Rolled back whole: no note, no link, no log row, the index and the file sound. */
	assert_true(sqlite3_get_autocommit(db_handle(f->db)));
	assert_int_equal(query_int(f, "SELECT count(*) FROM note"), notes);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_cluster"), notes);
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log"), logs);
	assert_int_equal(db_exec(f->db, "INSERT INTO note_fts(note_fts) VALUES ('integrity-check')"), QREL_OK);
	assert_int_equal(db_check(f->db, stderr), QREL_OK);
	/* The draft of the same text fails too, and says why. */
	assert_int_equal(draft_save(f->db, "note:new", "Ray Viewer", big), QREL_FULL);
	assert_null(draft_load(f->db, "note:new", "Ray Viewer"));
	/* A short draft may still fit where a page has room. */
	if (draft_save(f->db, "note:new", "Ray Viewer", "short") == QREL_OK) {
		text = draft_load(f->db, "note:new", "Ray Viewer");
		assert_string_equal(text, "short");
		free(text);
	}
	free(big);
}

/* A row as text, for the writer tests. */
static void
expect_row(struct maple *f, const char *sql, const char *want)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db_handle(f->db), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(db_col_text(st, 0), want);
	sqlite3_finalize(st);
}

#define NOTE_ROW "SELECT uuid || '|' || coalesce(activity_id, '-') || '|' || valence || '|' || text || '|' || " \
	"created_at || '|' || updated_at || '|' || coalesce(deleted_at, '-') || '|' || version FROM note " \
	"WHERE uuid = 'b0000000-0000-4000-8000-000000000001'"

/* The note row writers (the only code that writes notes): all columns as given,
 * the activity by uuid, and the version on an update. */
static void
test_note_row_writers(void **state)
{
	struct maple *f = *state;
	struct note_fields w = { .uuid = "b0000000-0000-4000-8000-000000000001", .review = f->review, .site = f->s1,
				 .activity_uuid = "a0000000-0000-4000-8000-000000000001", .source = "interview",
				 .author = store_person_id(f->db, f->review, "Ray Viewer"), .valence = "growth",
				 .text = "reading corner unused", .created_at = "2024-02-01T09:00",
				 .updated_at = "2024-02-02T09:00", .version = 3 };
	struct evidence_filter flt = { 0 };
	int64_t id = 0, ids[4];

	assert_int_equal(note_insert_row(f->db, &w, "adding a note", &id), QREL_OK);
	assert_true(id > 0);
	expect_row(f, NOTE_ROW, "b0000000-0000-4000-8000-000000000001|1|growth|reading corner unused|"
		   "2024-02-01T09:00|2024-02-02T09:00|-|3");
	evidence_filter_set(f->db, f->review, &flt, "search", "corner");
	assert_int_equal(list_ids(f, &flt, 10, ids, 4), 1);	/* the search index follows the row */
	/* A local change (version 0): one up; deleted_at as given. */
	assert_int_equal(note_apply_row(f->db, id, &(struct note_fields){ .valence = "strength", .text = "corner used",
		.deleted_at = "2024-02-03T09:00", .updated_at = "2024-02-03T09:00" }, "updating a note"), QREL_OK);
	expect_row(f, NOTE_ROW, "b0000000-0000-4000-8000-000000000001|1|strength|corner used|"
		   "2024-02-01T09:00|2024-02-03T09:00|2024-02-03T09:00|4");
	/* A merged note at a higher version takes it. */
	assert_int_equal(note_apply_row(f->db, id, &(struct note_fields){ .valence = "neutral", .text = "corner",
		.updated_at = "2024-02-04T09:00", .version = 8 }, "updating a note"), QREL_OK);
	expect_row(f, NOTE_ROW, "b0000000-0000-4000-8000-000000000001|1|neutral|corner|"
		   "2024-02-01T09:00|2024-02-04T09:00|-|8");
	/* By activity id; none at all. */
	w.uuid = "b0000000-0000-4000-8000-000000000002";
	w.activity = 1;
	w.activity_uuid = NULL;
	assert_int_equal(note_insert_row(f->db, &w, "adding a note", NULL), QREL_OK);
	assert_int_equal(query_int(f, "SELECT activity_id FROM note WHERE uuid = 'b0000000-0000-4000-8000-000000000002'"),
			 1);
	w.uuid = "b0000000-0000-4000-8000-000000000003";
	w.activity = 0;
	assert_int_equal(note_insert_row(f->db, &w, "adding a note", NULL), QREL_OK);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note WHERE uuid = 'b0000000-0000-4000-8000-000000000003' "
			 "AND activity_id IS NULL"), 1);
	/* A uuid is stored once; the error names the write. */
	assert_int_not_equal(note_insert_row(f->db, &w, "adding a note", NULL), QREL_OK);
	assert_non_null(strstr(error_message(), "adding a note"));
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log WHERE entity = 'note'"), 0);
}

#define NOTE_LINKS "SELECT (SELECT group_concat(cluster_id, ',') FROM (SELECT cluster_id FROM note_cluster " \
	"WHERE note_id = n.id ORDER BY 1)) || '|' || coalesce((SELECT group_concat(dimension || ':' || grp, ',') " \
	"FROM (SELECT dimension, grp FROM note_subgroup WHERE note_id = n.id ORDER BY 1, 2)), '') || '|' || " \
	"coalesce((SELECT group_concat(grp, ',') FROM (SELECT grp FROM note_group WHERE note_id = n.id ORDER BY 1)), " \
	"'') || '|' || (SELECT count(*) FROM note_document WHERE note_id = n.id) FROM note n " \
	"WHERE uuid = 'b0000000-0000-4000-8000-000000000001'"

/* The note link writers (the only code that writes a note's clusters, subgroups,
 * stakeholder groups and citations) and the activity's groups writer. */
static void
test_link_writers(void **state)
{
	struct maple *f = *state;
	struct note_fields w = { .uuid = "b0000000-0000-4000-8000-000000000001", .review = f->review, .site = f->s1,
				 .source = "interview", .author = store_person_id(f->db, f->review, "Ray Viewer"),
				 .valence = "growth", .text = "linked", .created_at = "2024-02-01T09:00",
				 .updated_at = "2024-02-01T09:00", .version = 1 };
	int64_t id = 0, doc, clusters[] = { f->c12, f->c11, f->c12 };
	bool changed = false;
	char want[96];

	assert_int_equal(note_insert_row(f->db, &w, "adding a note", &id), QREL_OK);
	assert_int_equal(db_exec(f->db, "INSERT INTO document(uuid, review_id, site_id, title, requested_at, "
				 "updated_at) VALUES ('d0000000-0000-4000-8000-000000000001', 1, 1, 'Plan', "
				 "'2024-01-01', '2024-01-01')"), QREL_OK);
	doc = query_int(f, "SELECT id FROM document");
	/* Links add (a repeated one is kept once); unlinking removes them all. */
	assert_int_equal(note_link_clusters(f->db, id, clusters, 3), QREL_OK);
	assert_int_equal(note_link_subgroup(f->db, id, "grade", "3"), QREL_OK);
	assert_int_equal(note_link_subgroup(f->db, id, "grade", "3"), QREL_OK);
	assert_int_equal(note_link_set_groups(f->db, id, "students,parents"), QREL_OK);
	assert_int_equal(note_link_document(f->db, id, doc, true, &changed), QREL_OK);
	assert_true(changed);
	assert_int_equal(note_link_document(f->db, id, doc, true, &changed), QREL_OK);
	assert_false(changed);	/* cited already */
	snprintf(want, sizeof(want), "%lld,%lld|grade:3|parents,students|1", (long long)f->c11, (long long)f->c12);
	expect_row(f, NOTE_LINKS, want);
	/* Groups are replaced, not added to; "" leaves none. */
	assert_int_equal(note_link_set_groups(f->db, id, "staff"), QREL_OK);
	assert_int_equal(note_unlink_clusters(f->db, id), QREL_OK);
	assert_int_equal(note_link_clusters(f->db, id, &f->c21, 1), QREL_OK);
	snprintf(want, sizeof(want), "%lld|grade:3|staff|1", (long long)f->c21);
	expect_row(f, NOTE_LINKS, want);
	assert_int_equal(note_unlink_subgroups(f->db, id), QREL_OK);
	assert_int_equal(note_link_set_groups(f->db, id, ""), QREL_OK);
	assert_int_equal(note_link_document(f->db, id, doc, false, &changed), QREL_OK);
	assert_true(changed);
	assert_int_equal(note_link_document(f->db, id, doc, false, &changed), QREL_OK);
	assert_false(changed);	/* not cited any more */
	snprintf(want, sizeof(want), "%lld|||0", (long long)f->c21);
	expect_row(f, NOTE_LINKS, want);
	/* An activity's groups: replaced the same way. */
	assert_int_equal(activity_set_groups(f->db, 1, "parents,staff"), QREL_OK);
	assert_int_equal(activity_set_groups(f->db, 1, "students"), QREL_OK);
	expect_row(f, "SELECT group_concat(grp) FROM activity_group WHERE activity_id = 1", "students");
	/* Its voice as a merge writes it: exactly, 0 participants clearing them. */
	assert_int_equal(activity_set_voice(f->db, 1, &(struct voice_activity){ .participants = 9, .language = "es",
		.interpreter = true }), QREL_OK);
	expect_row(f, "SELECT participants || '|' || language || '|' || interpreter FROM activity WHERE id = 1", "9|es|1");
	assert_int_equal(activity_set_voice(f->db, 1, &(struct voice_activity){ .language = "" }), QREL_OK);
	expect_row(f, "SELECT coalesce(participants, '-') || '|' || language || '|' || interpreter FROM activity "
		   "WHERE id = 1", "-||0");
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log"), 0);
}

/* Forgetting a note (a hub pull's): the row, its links and its search entry
 * go, with no change log entry; a note a finding cites stays. */
static void
test_note_forget_row(void **state)
{
	struct maple *f = *state;
	struct evidence_filter flt = { 0 };
	int64_t ids[4], a = add(f, "Ray Viewer", f->s1, "interview", NULL, "library hours cut", f->c11, f->c12);
	int64_t b = add(f, "Ray Viewer", f->s1, "interview", NULL, "library staffed", f->c11, 0);
	long long logged = query_int(f, "SELECT count(*) FROM change_log");
	const char *ua = "n-a", *ub = "n-b";
	bool gone = false;
	char sql[256];

	snprintf(sql, sizeof(sql), "UPDATE note SET uuid = 'n-a' WHERE id = %lld; UPDATE note SET uuid = 'n-b' "
		 "WHERE id = %lld", (long long)a, (long long)b);
	assert_int_equal(db_exec(f->db, sql), QREL_OK);
	assert_int_equal(note_forget_row(f->db, f->review, ua, &gone), QREL_OK);
	assert_true(gone);
	snprintf(sql, sizeof(sql), "SELECT (SELECT count(*) FROM note WHERE id = %lld) + (SELECT count(*) FROM "
		 "note_cluster WHERE note_id = %lld)", (long long)a, (long long)a);
	assert_int_equal(query_int(f, sql), 0);
	evidence_filter_set(f->db, f->review, &flt, "search", "library");
	assert_int_equal(list_ids(f, &flt, 10, ids, 4), 1);
	assert_int_equal(ids[0], b);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_fts_docsize"), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log"), logged);
	/* Gone already: nothing to forget. */
	assert_int_equal(note_forget_row(f->db, f->review, ua, &gone), QREL_OK);
	assert_false(gone);
	/* A finding cites b: it stays. */
	snprintf(sql, sizeof(sql), "INSERT INTO finding(uuid, review_id, domain_id, kind, text, created_at, updated_at) "
		 "VALUES ('f1', %lld, 1, 'growth', 'Library', 'now', 'now'); INSERT INTO finding_note(finding_id, "
		 "note_id, created_at) VALUES (1, %lld, 'now')", (long long)f->review, (long long)b);
	assert_int_equal(db_exec(f->db, sql), QREL_OK);
	assert_int_equal(note_forget_row(f->db, f->review, ub, &gone), QREL_OK);
	assert_false(gone);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note"), 1);
}

#define ACTIVITY_ROW "SELECT site_id || '|' || source || '|' || held_at || '|' || description || '|' || " \
	"coalesce(facilitator_id, '-') || '|' || status || '|' || reviewers FROM activity " \
	"WHERE uuid = 'a0000000-0000-4000-8000-000000000009'"

/* The activity row writers (the only code that writes activities). */
static void
test_activity_row_writers(void **state)
{
	struct maple *f = *state;
	int64_t ann = store_person_id(f->db, f->review, "Ann Lead"), id = 0;
	struct activity_fields w = { .uuid = "a0000000-0000-4000-8000-000000000009", .review = f->review, .site = f->s1,
				     .source = "interview", .held_at = "2024-03-01", .facilitator = ann,
				     .status = "planned" };
	bool changed = true;
	char want[128];

	assert_int_equal(activity_insert_row(f->db, &w, "adding an activity", &id), QREL_OK);
	snprintf(want, sizeof(want), "%lld|interview|2024-03-01||%lld|planned|", (long long)f->s1, (long long)ann);
	expect_row(f, ACTIVITY_ROW, want);
	/* The same values: nothing changes. */
	assert_int_equal(activity_apply_row(f->db, id, &w, "changing an activity", &changed), QREL_OK);
	assert_false(changed);
	/* NULL and 0 keep a value; set_facilitator with 0 clears the facilitator. */
	assert_int_equal(activity_apply_row(f->db, id, &(struct activity_fields){ .description = "Staff" },
					    "changing an activity", &changed), QREL_OK);
	assert_true(changed);
	snprintf(want, sizeof(want), "%lld|interview|2024-03-01|Staff|%lld|planned|", (long long)f->s1, (long long)ann);
	expect_row(f, ACTIVITY_ROW, want);
	assert_int_equal(activity_apply_row(f->db, id, &(struct activity_fields){ .site = f->s2,
		.set_facilitator = true }, "changing an activity", &changed), QREL_OK);
	assert_true(changed);
	snprintf(want, sizeof(want), "%lld|interview|2024-03-01|Staff|-|planned|", (long long)f->s2);
	expect_row(f, ACTIVITY_ROW, want);
	/* Planned becomes done once. */
	assert_int_equal(activity_mark_done(f->db, id, "marking an activity done", &changed), QREL_OK);
	assert_true(changed);
	assert_int_equal(activity_mark_done(f->db, id, "marking an activity done", &changed), QREL_OK);
	assert_false(changed);
	snprintf(want, sizeof(want), "%lld|interview|2024-03-01|Staff|-|done|", (long long)f->s2);
	expect_row(f, ACTIVITY_ROW, want);
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log WHERE entity = 'activity'"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, maple_teardown)
		cmocka_unit_test(test_fts_query),
		T(test_fts_never_errors),
		T(test_search_utf8_prefix_phrase),
		T(test_search_quotes_and_deleted),
		T(test_filters),
		T(test_keyset_paging_equal_times),
		T(test_keyset_paging_site_and_day),
		T(test_site_cluster_list),
		T(test_search_ranks_all),
		T(test_search_old_best_first),
		T(test_search_latest_first),
		T(test_search_visibility),
		T(test_total_capped),
		T(test_delete_undo_changelog),
		T(test_edit),
		T(test_add_checks),
		T(test_note_drafts),
		T(test_activities),
		T(test_note_row_writers),
		T(test_activity_row_writers),
		T(test_link_writers),
		T(test_note_forget_row),
		T(test_choices),
		T(test_edit_expect_stale_refused),
		T(test_edit_expect_current_passes),
		T(test_full_disk_add),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
