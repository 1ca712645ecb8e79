/* test_changes.c: the change log read back: keyset paging across equal times, each filter, descriptions. */
#include "qrel/qrel.h"
#include "qrel/changes.h"
#include "qrel/db.h"
#include "qrel/diag.h"
#include "qrel/document.h"
#include "qrel/evidence.h"
#include "qrel/review.h"
#include "qrel/score.h"
#include "qrel/store.h"
#include "qrel/util.h"
#include "qrel/visibility.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>

#define REVIEWER "José Ramírez"
#define LEAD "Ségolène Arceneaux"
#define PAGE_MAX 64

static char dir[FIXTURE_DIR], path[FIXTURE_PATH];
static struct db *db;
static int64_t review;
static const char *reader = LEAD;	/* who reads the log in read_all */

static int
setup(void **state)
{
	UNUSED(state);
	if (fixture_sample(dir, "/tmp/qrel-changes-XXXXXX", path, &db, &review, NULL) != 0)
		return -1;
	return review > 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	UNUSED(state);
	unsetenv("QREL_NOW");
	return fixture_remove(dir, db);
}

/* One log entry by who at the time given. */
static void
log_at(const char *at, const char *who, const char *old_value, const char *new_value)
{
	char uuid[UUID_LEN + 1];

	uuid_new(uuid);
	setenv("QREL_NOW", at, 1);
	assert_int_equal(changelog_add(db, review, who, "note", uuid, "text", old_value, new_value, ""), QREL_OK);
}

static void
set_filter(struct changes_filter *f, const char *field, const char *value)
{
	assert_int_equal(changes_filter_set(db, review, f, field, value), QREL_OK);
}

/* Every row the filter selects, read in pages of size; returns how many. */
static int
read_all(const struct changes_filter *f, int size, struct change_row *all, int max)
{
	struct changes_cursor cur = { 0 };
	struct change_row page[PAGE_MAX];
	int n, total = 0;

	do {
		assert_int_equal(changes_page(db, review, reader, f, &cur, size, page, &n), QREL_OK);
		for (int i = 0; i < n; i++) {
			if (total < max)
				all[total++] = page[i];
			else
				changes_rows_free(&page[i], 1);
		}
		if (n)
			changes_cursor_of(&page[n - 1], &cur);
	} while (n == size);
	return total;
}

static void
free_all(struct change_row *rows, int n)
{
	changes_rows_free(rows, n);
}

static void
test_paging_equal_times(void **state)
{
	struct changes_filter f = { 0 };
	struct change_row rows[PAGE_MAX];
	int n;

	UNUSED(state);
	for (int i = 0; i < 23; i++)
		log_at(i < 20 ? "2030-01-01T00:00:00Z" : "2030-01-01T00:00:01Z", "Pager", NULL, "x");
	set_filter(&f, "person", "Pager");
	n = read_all(&f, 7, rows, PAGE_MAX);
	assert_int_equal(n, 23);
	/* Newest first: the three later ones, then the twenty equal ones by id, none twice. */
	assert_string_equal(rows[0].at, "2030-01-01T00:00:01Z");
	assert_string_equal(rows[3].at, "2030-01-01T00:00:00Z");
	for (int i = 1; i < n; i++) {
		assert_true(strcmp(rows[i].at, rows[i - 1].at) <= 0);
		if (!strcmp(rows[i].at, rows[i - 1].at))
			assert_true(rows[i].id < rows[i - 1].id);
	}
	assert_null(rows[0].old_value);
	assert_string_equal(rows[0].new_value, "x");
	free_all(rows, n);
}

static void
test_filter_dates(void **state)
{
	struct changes_filter f = { 0 };
	struct change_row rows[PAGE_MAX];
	int n;

	UNUSED(state);
	log_at("2031-05-01T23:59:59Z", "Dater", "a", "b");
	log_at("2031-05-02T00:00:00Z", "Dater", "b", "c");
	log_at("2031-05-03T08:00:00Z", "Dater", "c", "d");
	set_filter(&f, "person", "Dater");
	set_filter(&f, "to", "2031-05-02");	/* the whole day */
	n = read_all(&f, 10, rows, PAGE_MAX);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].new_value, "c");
	free_all(rows, n);
	set_filter(&f, "from", "2031-05-02");
	n = read_all(&f, 10, rows, PAGE_MAX);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].at, "2031-05-02T00:00:00Z");
	free_all(rows, n);
	set_filter(&f, "to", "");
	n = read_all(&f, 10, rows, PAGE_MAX);
	assert_int_equal(n, 2);
	free_all(rows, n);
	assert_int_equal(changes_filter_set(db, review, &f, "from", "May 2"), QREL_PARSE);
	assert_int_equal(changes_filter_set(db, review, &f, "from", "2031-5-2"), QREL_PARSE);
}

static void
set_score(const char *at, const char *site, const char *cluster, int level)
{
	setenv("QREL_NOW", at, 1);
	assert_int_equal(score_set(db, review, REVIEWER, store_site_id(db, review, site),
				   store_cluster_id(db, review, cluster), SCORE_TEAM, level, false, NULL), QREL_OK);
}

static void
test_filter_person_site_cluster(void **state)
{
	struct changes_filter f = { 0 };
	struct change_row rows[PAGE_MAX];
	int n;

	UNUSED(state);
	/* Each differs from the sample's level, so each is logged. */
	set_score("2032-01-01T10:00:00Z", "RHS", "1.1", 2);
	set_score("2032-01-01T10:00:01Z", "EHS", "1.1", 3);
	set_score("2032-01-01T10:00:02Z", "RHS", "2.2", 3);
	set_filter(&f, "person", REVIEWER);
	set_filter(&f, "from", "2032-01-01");
	assert_int_equal(n = read_all(&f, 2, rows, PAGE_MAX), 3);
	free_all(rows, n);
	set_filter(&f, "site", "RHS");
	assert_int_equal(n = read_all(&f, 5, rows, PAGE_MAX), 2);
	assert_string_equal(rows[0].about, "RHS 2.2 by " REVIEWER);
	assert_string_equal(rows[1].about, "RHS 1.1 by " REVIEWER);
	free_all(rows, n);
	set_filter(&f, "cluster", "1.1");
	assert_int_equal(n = read_all(&f, 5, rows, PAGE_MAX), 1);
	assert_string_equal(rows[0].entity, "score");
	assert_string_equal(rows[0].field, "level");
	assert_string_equal(rows[0].old_value, "3");
	assert_string_equal(rows[0].new_value, "2");
	free_all(rows, n);
	set_filter(&f, "site", "");
	assert_int_equal(n = read_all(&f, 5, rows, PAGE_MAX), 2);
	assert_string_equal(rows[0].about, "EHS 1.1 by " REVIEWER);
	free_all(rows, n);
	assert_int_equal(changes_filter_set(db, review, &f, "site", "NOPE"), QREL_NOTFOUND);
	assert_int_equal(changes_filter_set(db, review, &f, "person", "Nobody Atall"), QREL_NOTFOUND);
}

/* Another reviewer reads José's blind scores' entries masked, in pages that
 * still fill; the consensus unmasks them. A principal reads none of them until
 * the lead releases the school, and never another school's. Runs after
 * test_filter_person_site_cluster, whose three scores it reads. */
static void
test_blind_entries(void **state)
{
	struct changes_filter f = { 0 };
	struct change_row rows[PAGE_MAX];
	int64_t rhs = store_site_id(db, review, "RHS"), c22 = store_cluster_id(db, review, "2.2");
	int n, masked = 0;

	UNUSED(state);
	set_filter(&f, "person", REVIEWER);
	set_filter(&f, "from", "2032-01-01");
	reader = "Zoë Whitfield";
	assert_int_equal(n = read_all(&f, 1, rows, PAGE_MAX), 3);
	for (int i = 0; i < n; i++)
		masked += !strcmp(rows[i].new_value, "(hidden until consensus)");
	free_all(rows, n);
	assert_false(visibility_consensus(db, rhs, c22));
	assert_true(masked >= 1);
	reader = "Patricia Holloway";
	assert_int_equal(n = read_all(&f, 2, rows, PAGE_MAX), 0);
	reader = LEAD;
	setenv("QREL_NOW", "2032-01-02T00:00:00Z", 1);
	assert_int_equal(score_set(db, review, LEAD, rhs, c22, SCORE_CONSENSUS, 3, false, "agreed"), QREL_OK);
	assert_int_equal(visibility_release(db, review, LEAD, rhs), QREL_OK);
	set_filter(&f, "site", "RHS");
	set_filter(&f, "cluster", "2.2");
	reader = "Zoë Whitfield";
	assert_int_equal(n = read_all(&f, 5, rows, PAGE_MAX), 1);
	assert_string_equal(rows[0].new_value, "3");
	free_all(rows, n);
	reader = "Patricia Holloway";
	assert_int_equal(n = read_all(&f, 5, rows, PAGE_MAX), 1);
	assert_string_equal(rows[0].new_value, "3");
	free_all(rows, n);
	set_filter(&f, "site", "EHS");
	set_filter(&f, "cluster", "");
	assert_int_equal(n = read_all(&f, 5, rows, PAGE_MAX), 0);
	reader = "Mallory Nobody";
	set_filter(&f, "site", "");
	assert_int_equal(n = read_all(&f, 5, rows, PAGE_MAX), 0);
	reader = LEAD;
}

/* Every row at a site is about that site; the sample's imports count too. */
static void
test_filter_site_only(void **state)
{
	struct changes_filter f = { 0 };
	struct change_row rows[PAGE_MAX];
	int n;

	UNUSED(state);
	set_filter(&f, "site", "OES");
	n = read_all(&f, 9, rows, PAGE_MAX);
	assert_true(n > 9);
	for (int i = 0; i < n; i++)
		assert_true(!strncmp(rows[i].about, "OES", 3));
	free_all(rows, n);
}

static void
test_describe_note(void **state)
{
	const char *text = "The counsellor\ntracks AP enrolment by subgroup every term and shares the numbers "
			   "with families in three languages.";
	struct note_input in = { .site = store_site_id(db, review, "RHS"), .source = "interview", .text = text,
		.cluster = { store_cluster_id(db, review, "1.1") }, .nclusters = 1 };
	struct changes_filter f = { 0 };
	struct change_row rows[PAGE_MAX];
	int64_t id;
	int n;

	UNUSED(state);
	setenv("QREL_NOW", "2033-01-01T00:00:00Z", 1);
	assert_int_equal(evidence_add(db, review, REVIEWER, &in, &id), QREL_OK);
	set_filter(&f, "from", "2033");
	set_filter(&f, "cluster", "1.1");
	n = read_all(&f, 5, rows, PAGE_MAX);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].entity, "note");
	assert_string_equal(rows[0].field, "create");
	assert_string_equal(rows[0].new_value, text);
	assert_string_equal(rows[0].about, "RHS: The counsellor tracks AP enrolment by subgroup every\xe2\x80\xa6");
	free_all(rows, n);
}

/* Every kind of row the change log names (entity is its table) is described
 * while it is there: a document, a person or a cause link, too. */
static void
test_describe_every_entity(void **state)
{
	sqlite3 *h = db_handle(db);
	sqlite3_stmt *kinds, *one;
	char sql[256], buf[256];
	int described = 0;

	UNUSED(state);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT DISTINCT entity FROM change_log ORDER BY entity", -1, &kinds,
					    NULL), SQLITE_OK);
	while (sqlite3_step(kinds) == SQLITE_ROW) {
		const char *entity = (const char *)sqlite3_column_text(kinds, 0);

		snprintf(sql, sizeof(sql), "SELECT entity_uuid FROM change_log WHERE entity = ?1 AND entity_uuid IN "
			 "(SELECT uuid FROM \"%s\") LIMIT 1", entity);
		assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &one, NULL), SQLITE_OK);
		sqlite3_bind_text(one, 1, entity, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(one) == SQLITE_ROW) {
			assert_int_equal(changes_describe(db, entity, (const char *)sqlite3_column_text(one, 0), buf,
							  sizeof(buf)), QREL_OK);
			if (strstr(buf, "(no longer here)"))
				fail_msg("a %s that is there is described as gone: %s", entity, buf);
			described++;
		}
		sqlite3_finalize(one);
	}
	sqlite3_finalize(kinds);
	/* the sample's log names 13 kinds, each still there */
	assert_true(described >= 13);
}

/* The row with this entity and field, newest first, that reader's log lists; -1 if none. */
static int
find_row(struct change_row *rows, int n, const char *entity, const char *field)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(rows[i].entity, entity) && !strcmp(rows[i].field, field))
			return i;
	return -1;
}

/* A value naming another row reads as that row to whoever may read it, and
 * stays a bare uuid to whoever may not: a principal's own note citing another
 * school's document. */
static void
test_values_name_their_rows(void **state)
{
	struct note_input in = { .site = store_site_id(db, review, "EHS"), .source = "interview",
		.text = "Our own note, cited by the lead", .cluster = { store_cluster_id(db, review, "1.2") },
		.nclusters = 1 };
	struct changes_filter f = { 0 };
	struct change_row rows[PAGE_MAX];
	int64_t note, doc = fixture_int(db, "SELECT d.id FROM document d JOIN site s ON s.id = d.site_id "
					    "WHERE s.code = 'RHS' ORDER BY d.id LIMIT 1");
	char duuid[UUID_LEN + 1], want[UUID_LEN + 8];
	int n, i;

	UNUSED(state);
	assert_true(doc > 0);
	setenv("QREL_NOW", "2034-01-01T00:00:00Z", 1);
	assert_int_equal(evidence_add(db, review, "Marcus Bellamy", &in, &note), QREL_OK);
	assert_int_equal(document_cite(db, review, LEAD, doc, note), QREL_OK);
	{
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(db_handle(db), "SELECT uuid FROM document WHERE id = ?1", -1, &st,
						    NULL), SQLITE_OK);
		sqlite3_bind_int64(st, 1, doc);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		str_copy(duuid, sizeof(duuid), (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	set_filter(&f, "from", "2034");

	n = read_all(&f, 8, rows, PAGE_MAX);
	assert_true((i = find_row(rows, n, "note", "cite document")) >= 0);
	snprintf(want, sizeof(want), "(%.8s)", duuid);
	assert_non_null(strstr(rows[i].new_value, "RHS document: "));
	assert_non_null(strstr(rows[i].new_value, want));
	free_all(rows, n);

	/* a root cause's evidence link, logged as "note UUID", names its note too */
	{
		struct changes_filter all = { 0 };
		struct change_row *every = calloc(4096, sizeof(*every));

		assert_non_null(every);
		n = read_all(&all, PAGE_MAX, every, 4096);
		assert_true(n < 4096);
		assert_true((i = find_row(every, n, "cause_link", "create")) >= 0);
		assert_true(strncmp(every[i].new_value, "note ", 5) == 0 && !uuid_valid(every[i].new_value + 5));
		assert_non_null(strstr(every[i].new_value, ": "));
		free_all(every, n);
		free(every);
	}

	reader = "Marcus Bellamy";
	n = read_all(&f, 8, rows, PAGE_MAX);
	reader = LEAD;
	assert_true((i = find_row(rows, n, "note", "cite document")) >= 0);
	assert_string_equal(rows[i].new_value, duuid);
	free_all(rows, n);
}

static void
test_describe_gone_and_words(void **state)
{
	char buf[192];

	UNUSED(state);
	assert_int_equal(changes_describe(db, "score", "00000000-dead-4000-8000-000000000000", buf, sizeof(buf)),
			 QREL_OK);
	assert_string_equal(buf, "score 00000000 (no longer here)");
	changes_sync_value("score", "3|0|A: growth tracked", buf, sizeof(buf));
	assert_string_equal(buf, "level 3, \"A: growth tracked\"");
	changes_sync_value("score", "|1|", buf, sizeof(buf));
	assert_string_equal(buf, "NE");
	changes_sync_value("score", "|0|why", buf, sizeof(buf));
	assert_string_equal(buf, "not rated, \"why\"");
	changes_sync_value("note", "growth|1|a|b", buf, sizeof(buf));
	assert_string_equal(buf, "deleted, growth, \"a|b\"");
	changes_sync_value("note", "plain", buf, sizeof(buf));
	assert_string_equal(buf, "plain");
}

static void
test_filter_describe(void **state)
{
	struct changes_filter f = { 0 };
	char buf[256];

	UNUSED(state);
	changes_filter_describe(&f, buf, sizeof(buf));
	assert_string_equal(buf, "every change");
	assert_true(changes_filter_empty(&f));
	set_filter(&f, "person", REVIEWER);
	set_filter(&f, "to", "2026-03");
	set_filter(&f, "cluster", "2.2");
	changes_filter_describe(&f, buf, sizeof(buf));
	assert_string_equal(buf, "by " REVIEWER ", to 2026-03, cluster 2.2");
	assert_int_equal(changes_filter_set(db, review, &f, "colour", "red"), QREL_USAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paging_equal_times),
		cmocka_unit_test(test_filter_dates),
		cmocka_unit_test(test_filter_person_site_cluster),
		cmocka_unit_test(test_blind_entries),
		cmocka_unit_test(test_filter_site_only),
		cmocka_unit_test(test_describe_note),
		cmocka_unit_test(test_describe_every_entity),
		cmocka_unit_test(test_values_name_their_rows),
		cmocka_unit_test(test_describe_gone_and_words),
		cmocka_unit_test(test_filter_describe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
